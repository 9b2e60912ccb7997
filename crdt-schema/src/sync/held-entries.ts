/**
 * Entries that verified but cannot be applied yet: an earlier counter of
 * their author is missing, their author is not yet in the synced member list,
 * or their key epoch has not arrived. They wait here, by relay seq, and are
 * retried whenever something that could unblock them changes.
 */
import type { ErrorCode } from '../errors.ts';

export interface HeldEntry {
  readonly seq: number;
  readonly envelope: Uint8Array;
  readonly code: ErrorCode;
  /** The signature verdict it was opened with (from the author's hash chain), kept for the retry; undefined: check it again. */
  readonly signatureValid?: boolean;
}

export class HeldEntries {
  private readonly bySeq = new Map<number, HeldEntry>();

  get size(): number {
    return this.bySeq.size;
  }
  hold(seq: number, envelope: Uint8Array, code: ErrorCode, signatureValid?: boolean): void {
    this.bySeq.set(seq, signatureValid === undefined ? { seq, envelope, code } : { seq, envelope, code, signatureValid });
  }
  drop(seq: number): void {
    this.bySeq.delete(seq);
  }
  /** Held entries in seq order. */
  list(): HeldEntry[] {
    return [...this.bySeq.values()].sort((a, b) => a.seq - b.seq);
  }
}
