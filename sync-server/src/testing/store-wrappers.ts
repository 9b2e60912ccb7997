/**
 * RelayStore wrappers that change timing, not behaviour: a gate that holds
 * appends until the test releases them, a jittery store whose answers
 * arrive after random delays (appends still take effect in call order), and
 * a store that loses an append's reply after storing it (a dropped connection).
 */
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { RelayStore } from '../store/types.ts';

export interface GatedStore {
  readonly store: RelayStore;
  /** Appends waiting at the gate. */
  readonly waiting: number;
  /** Lets every waiting append (and later ones) through. */
  open(): void;
}

export function gatedStore(inner: RelayStore): GatedStore {
  let isOpen = false;
  const queue: Array<() => void> = [];
  const store: RelayStore = {
    ...bind(inner),
    append: (doc, input) =>
      isOpen ? inner.append(doc, input) : new Promise((resolve, reject) => queue.push(() => inner.append(doc, input).then(resolve, reject))),
  };
  return {
    store,
    get waiting() {
      return queue.length;
    },
    open() {
      isOpen = true;
      for (const go of queue.splice(0)) go();
    },
  };
}

/** Every answer is delayed by 0..maxDelayMs (random); writes are issued at call time, so their order holds. */
export function jitteryStore(inner: RelayStore, random: () => number, maxDelayMs = 3): RelayStore {
  const later = <T>(p: Promise<T>): Promise<T> =>
    p.then(
      (v) => new Promise<T>((resolve) => setTimeout(() => resolve(v), random() * maxDelayMs)),
      (e: unknown) => new Promise<T>((_, reject) => setTimeout(() => reject(e), random() * maxDelayMs)),
    );
  const wrapped = {} as Record<string, unknown>;
  for (const [name, fn] of Object.entries(bind(inner))) {
    wrapped[name] = (...args: unknown[]) => later((fn as (...a: unknown[]) => Promise<unknown>)(...args));
  }
  // Reads also start late, so a read can miss a commit that an offer already announced.
  const readSince = inner.readSince.bind(inner);
  wrapped.readSince = (...args: Parameters<RelayStore['readSince']>) =>
    later(new Promise<void>((r) => setTimeout(r, random() * maxDelayMs)).then(() => readSince(...args)));
  return wrapped as unknown as RelayStore;
}

export interface LostReplyStore {
  readonly store: RelayStore;
  /** The next append is stored, and then fails with E_STORE_FAILED as if the connection dropped before the reply. */
  loseNextReply(): void;
}

export function lostReplyStore(inner: RelayStore): LostReplyStore {
  let lose = false;
  const store: RelayStore = {
    ...bind(inner),
    append: async (doc, input) => {
      const result = await inner.append(doc, input);
      if (!lose) return result;
      lose = false;
      throw new TendrilError('E_STORE_FAILED', 'the connection was lost before the reply');
    },
  };
  return { store, loseNextReply: () => void (lose = true) };
}

function bind(store: RelayStore): RelayStore {
  const out = {} as Record<string, unknown>;
  for (const key of Object.keys(store) as (keyof RelayStore)[]) out[key] = (store[key] as (...a: unknown[]) => unknown).bind(store);
  return out as unknown as RelayStore;
}
