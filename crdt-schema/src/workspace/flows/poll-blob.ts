/**
 * Waiting for a relay blob during pairing: take it every `everyMs` until one
 * reads as an answer, the time is up or the caller gives up. Blobs that do
 * not read (garbage a relay or another link holder parked) are dropped and
 * the wait goes on; a dropped connection is not an answer either, since the
 * relay client reconnects and the next poll tries again.
 */
import { isTendrilError } from '../../errors.ts';

/** The relay calls pairing needs (a RelayClient has them). */
export interface BlobRelay {
  putBlob(key: string, data: Uint8Array, ttlSeconds: number): Promise<void>;
  takeBlob(key: string): Promise<Uint8Array | null>;
}

export interface PollOptions {
  readonly timeoutMs: number;
  /** Between two takes; 1 s by default. */
  readonly everyMs?: number;
  /** Injected timer (tests pass one that resolves at once). */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly signal?: AbortSignal;
}

export const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The first blob under `key` that `read` accepts, or null when the time is up or the signal aborted. */
export async function pollBlob<T>(relay: BlobRelay, key: string, read: (blob: Uint8Array) => T | null, o: PollOptions): Promise<T | null> {
  const everyMs = o.everyMs ?? 1000;
  const sleep = o.sleep ?? defaultSleep;
  const attempts = Math.max(1, Math.ceil(o.timeoutMs / everyMs));
  const aborted = (): boolean => o.signal?.aborted === true;
  for (let i = 0; i < attempts && !aborted(); i++) {
    if (i > 0) await sleep(everyMs);
    if (aborted()) break;
    let blob: Uint8Array | null;
    try {
      blob = await relay.takeBlob(key);
    } catch (e) {
      if (isTendrilError(e, 'E_OFFLINE')) continue;
      throw e;
    }
    const value = blob === null ? null : read(blob);
    if (value !== null) return value;
  }
  return null;
}

/** Seconds a blob should live to last until `until` (ms), at least one. */
export function ttlUntil(until: number, now: number): number {
  return Math.max(1, Math.ceil((until - now) / 1000));
}
