/**
 * Local persistence for one synced document, in y-indexeddb's shape: the
 * updates DocSync applied since its last save are appended as one small
 * sealed record, and past a threshold the records are compacted into one
 * sealed state. Besides that
 * log, the outbox of sealed envelopes not yet acknowledged by the relay, and
 * a small meta of monotonic counters and the hash-chain link of this device's
 * newest update. Only ciphertext is ever handed to a DocStore (records and
 * state are sealed with the device's local key, envelopes with the document
 * key; the link is a hash of an envelope the relay holds anyway). Implementations: memory (here), SQLite
 * for Node homes, IndexedDB in the browser; all run doc-store.acceptance.ts.
 */

/** One sealed local change waiting for the relay's ack. */
export interface OutboxEntry {
  /** This device's counter for the document; also the frame `ref`. */
  readonly counter: number;
  readonly envelope: Uint8Array;
}

/** One appended record: the sealed LocalUpdates of one write (local-update.ts). */
export interface UpdateRecord {
  /**
   * Assigned by the writer in increasing order; a compaction deletes every record up to an id.
   * Ids only need to be unique among the records present, so they may start again at 1 once a
   * compaction removed them all.
   */
  readonly id: number;
  readonly sealed: Uint8Array;
}

/** Small, monotonic facts that must survive a crash, saved with every write. */
export interface SyncMeta {
  /** Highest author counter this device ever used for the document; never reused. */
  readonly myCounter: number;
  /** Highest relay sequence number this device ever saw acknowledged or announced (rollback detection). */
  readonly maxSeenSeq: number;
  /**
   * The hash-chain link (envelope/chain.ts) of this device's update `counter`, so the next update
   * names it as `prev` after a restart. Optional: without it the next update names zeros, which
   * only costs readers a signature check. The one with the higher counter wins a merge.
   */
  readonly chainHead?: ChainHead;
}

export interface ChainHead {
  readonly counter: number;
  /** 16 bytes. */
  readonly link: Uint8Array;
}

/** A well-formed chain head, or undefined (a store may hold anything). */
export function chainHeadOf(v: unknown): ChainHead | undefined {
  const c = v as Partial<ChainHead> | null | undefined;
  if (typeof c !== 'object' || c === null || !Number.isSafeInteger(c.counter) || (c.counter as number) < 1) return undefined;
  if (!(c.link instanceof Uint8Array) || c.link.length !== 16) return undefined;
  return { counter: c.counter as number, link: c.link };
}

export interface LoadedDoc {
  /** The sealed compacted state, or null for a document never compacted here. */
  readonly state: Uint8Array | null;
  /** Records appended since the last compaction, in id order; they apply on top of `state`. */
  readonly updates: readonly UpdateRecord[];
  readonly meta: SyncMeta | null;
  /** Unacknowledged entries in counter order. */
  readonly outbox: readonly OutboxEntry[];
}

export interface DocStore {
  load(): Promise<LoadedDoc>;
  /** Durably adds one entry; resolves only once it would survive a crash. */
  putOutbox(entry: OutboxEntry): Promise<void>;
  /**
   * Atomically appends records, drops acknowledged outbox entries and saves the meta; resolves
   * once that would survive a crash. A record written over an existing id replaces it.
   */
  append(records: readonly UpdateRecord[], meta: SyncMeta, acked?: readonly number[]): Promise<void>;
  /** Drops acknowledged entries and saves the meta: `append([], meta, counters)`. */
  ack(counters: readonly number[], meta: SyncMeta): Promise<void>;
  /**
   * Atomically replaces the sealed state, deletes every record with an id up to `through` (the
   * records the state includes; later ones stay) and saves the meta.
   */
  compact(state: Uint8Array, through: number, meta: SyncMeta): Promise<void>;
  close?(): Promise<void>;
}

export const emptyMeta: SyncMeta = { myCounter: 0, maxSeenSeq: 0 };

/** Counters never move backwards, whatever order writes land in. */
export function mergeMeta(prev: SyncMeta | null | undefined, next: SyncMeta): SyncMeta {
  const [a, b] = [chainHeadOf(prev?.chainHead), chainHeadOf(next.chainHead)];
  const chainHead = a && (!b || a.counter > b.counter) ? a : b;
  return { myCounter: Math.max(prev?.myCounter ?? 0, next.myCounter), maxSeenSeq: Math.max(prev?.maxSeenSeq ?? 0, next.maxSeenSeq), ...(chainHead ? { chainHead } : {}) };
}

/** Copies into a standalone Uint8Array (a view into a larger buffer would keep, or store, the whole buffer). */
export const ownBytes = (bytes: Uint8Array): Uint8Array => (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice());

/** A DocStore in memory: for tests and for peers that keep nothing. */
export class MemoryDocStore implements DocStore {
  private state: Uint8Array | null = null;
  private meta: SyncMeta | null = null;
  private readonly outbox = new Map<number, Uint8Array>();
  private readonly updates = new Map<number, Uint8Array>();

  async load(): Promise<LoadedDoc> {
    const sorted = <T>(m: Map<number, T>): [number, T][] => [...m.entries()].sort((a, b) => a[0] - b[0]);
    return {
      state: this.state,
      updates: sorted(this.updates).map(([id, sealed]) => ({ id, sealed })),
      meta: this.meta,
      outbox: sorted(this.outbox).map(([counter, envelope]) => ({ counter, envelope })),
    };
  }
  async putOutbox(entry: OutboxEntry): Promise<void> {
    this.outbox.set(entry.counter, entry.envelope.slice());
  }
  async append(records: readonly UpdateRecord[], meta: SyncMeta, acked: readonly number[] = []): Promise<void> {
    for (const r of records) this.updates.set(r.id, r.sealed.slice());
    for (const c of acked) this.outbox.delete(c);
    this.meta = mergeMeta(this.meta, meta);
  }
  ack(counters: readonly number[], meta: SyncMeta): Promise<void> {
    return this.append([], meta, counters);
  }
  async compact(state: Uint8Array, through: number, meta: SyncMeta): Promise<void> {
    this.state = state.slice();
    for (const id of this.updates.keys()) if (id <= through) this.updates.delete(id);
    this.meta = mergeMeta(this.meta, meta);
  }
}
