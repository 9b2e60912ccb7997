/**
 * What one document put on, or got from, the relay while this device had it
 * open: for each log entry its relay sequence number, the sealed envelope's
 * size, its author device (from the plaintext envelope header, which the relay
 * reads too) and when this device sent or received it; the same for snapshots.
 * Sizes and authors are exactly what the relay stores; the times are this
 * device's clock (the relay stamps an entry when it receives it, which for a
 * live entry is within a round trip of these). Ciphertext is not kept here,
 * only its length.
 */
import type { DeviceId } from '../ids.ts';

/** One envelope as the relay holds it. */
export interface LedgerEntry {
  readonly seq: number;
  readonly bytes: number;
  /** The author device of an update; null for a snapshot (the relay sees the uploader's connection only). */
  readonly author: DeviceId | null;
  /** 'sent' when this device uploaded it, 'received' when the relay served it. */
  readonly direction: 'sent' | 'received';
  /** This device's clock, ms since the Unix epoch. */
  readonly at: number;
}

export class RelayLedger {
  private readonly entryBySeq = new Map<number, LedgerEntry>();
  private readonly snapshotBySeq = new Map<number, LedgerEntry>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Notes an update entry at `seq`; the first note of a seq wins (a replay does not change it). */
  entry(seq: number, bytes: number, author: DeviceId, direction: LedgerEntry['direction']): void {
    if (!this.entryBySeq.has(seq)) this.entryBySeq.set(seq, { seq, bytes, author, direction, at: this.now() });
  }

  /** Notes a snapshot covering entries up to `seq`. */
  snapshot(seq: number, bytes: number, direction: LedgerEntry['direction']): void {
    if (!this.snapshotBySeq.has(seq)) this.snapshotBySeq.set(seq, { seq, bytes, author: null, direction, at: this.now() });
  }

  /** Entries in seq order. */
  get entries(): LedgerEntry[] {
    return [...this.entryBySeq.values()].sort((a, b) => a.seq - b.seq);
  }

  /** Snapshots in seq order. */
  get snapshots(): LedgerEntry[] {
    return [...this.snapshotBySeq.values()].sort((a, b) => a.seq - b.seq);
  }
}
