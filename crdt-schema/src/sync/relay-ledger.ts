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

/**
 * Entries are kept in columns (typed arrays and an author table) rather than one object each: a document
 * with a long history notes hundreds of thousands of them during one catch-up, and an object per entry
 * was a measurable share of the load's allocation. Entries noted in rising seq order (catch-up, live)
 * append; the rare out-of-order note (a held entry applied late) goes to a map. Objects are made only
 * when `entries` is read.
 */
export class RelayLedger {
  private seqs = new Float64Array(256);
  private sizes = new Float64Array(256);
  private ats = new Float64Array(256);
  /** Index into `authors`, times two, plus one when this device sent it. */
  private tags = new Uint32Array(256);
  private count = 0;
  private readonly authors: DeviceId[] = [];
  private readonly authorIndex = new Map<DeviceId, number>();
  private readonly outOfOrder = new Map<number, LedgerEntry>();
  private readonly snapshotBySeq = new Map<number, LedgerEntry>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Notes an update entry at `seq`; the first note of a seq wins (a replay does not change it). */
  entry(seq: number, bytes: number, author: DeviceId, direction: LedgerEntry['direction']): void {
    const n = this.count;
    if (n === 0 || seq > this.seqs[n - 1]!) {
      if (this.outOfOrder.has(seq)) return;
      if (n === this.seqs.length) this.grow();
      let a = this.authorIndex.get(author);
      if (a === undefined) {
        a = this.authors.push(author) - 1;
        this.authorIndex.set(author, a);
      }
      this.seqs[n] = seq;
      this.sizes[n] = bytes;
      this.ats[n] = this.now();
      this.tags[n] = a * 2 + (direction === 'sent' ? 1 : 0);
      this.count = n + 1;
      return;
    }
    if (this.indexOf(seq) >= 0 || this.outOfOrder.has(seq)) return;
    this.outOfOrder.set(seq, { seq, bytes, author, direction, at: this.now() });
  }

  /** Notes a snapshot covering entries up to `seq`. */
  snapshot(seq: number, bytes: number, direction: LedgerEntry['direction']): void {
    if (!this.snapshotBySeq.has(seq)) this.snapshotBySeq.set(seq, { seq, bytes, author: null, direction, at: this.now() });
  }

  /** Entries in seq order. */
  get entries(): LedgerEntry[] {
    const out: LedgerEntry[] = [...this.outOfOrder.values()];
    for (let i = 0; i < this.count; i++) {
      const tag = this.tags[i]!;
      out.push({ seq: this.seqs[i]!, bytes: this.sizes[i]!, author: this.authors[tag >>> 1]!, direction: (tag & 1) === 1 ? 'sent' : 'received', at: this.ats[i]! });
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  /** Snapshots in seq order. */
  get snapshots(): LedgerEntry[] {
    return [...this.snapshotBySeq.values()].sort((a, b) => a.seq - b.seq);
  }

  /** The column index of `seq`, or -1 (the columns are in rising seq order). */
  private indexOf(seq: number): number {
    let [lo, hi] = [0, this.count - 1];
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.seqs[mid]!;
      if (at === seq) return mid;
      if (at < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private grow(): void {
    const size = this.seqs.length * 2;
    const widen = <T extends Float64Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.seqs = widen(this.seqs, (n) => new Float64Array(n));
    this.sizes = widen(this.sizes, (n) => new Float64Array(n));
    this.ats = widen(this.ats, (n) => new Float64Array(n));
    this.tags = widen(this.tags, (n) => new Uint32Array(n));
  }
}
