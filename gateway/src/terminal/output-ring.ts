/**
 * A bounded ring of recent output batches, capped in bytes, so a viewer that
 * reconnects can replay what it missed. Batches are evicted oldest first; the
 * newest batch is always kept. Asking for a sequence number that was already
 * evicted answers "need snapshot": the viewer restores a screen snapshot and
 * replays from the sequence number that snapshot covers.
 */
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { OutputBatch } from './output-batch.ts';

/** The answer to a replay request. */
export type ReplayResult =
  /** Every batch from the requested seq to the newest (possibly none). */
  | { readonly kind: 'batches'; readonly batches: readonly OutputBatch[] }
  /** The requested seq was evicted; `oldestSeq` is the first one still held. */
  | { readonly kind: 'need-snapshot'; readonly oldestSeq: number };

export class OutputRing {
  /** Evicted slots are `undefined` until the array is compacted. */
  private batches: (OutputBatch | undefined)[] = [];
  private start = 0;
  private held = 0;
  private nextSeq = 0;

  constructor(private readonly capBytes: number, startSeq = 0) {
    if (!Number.isSafeInteger(capBytes) || capBytes < 1) throw new TendrilError('E_BAD_INPUT', 'ring cap must be a positive byte count');
    if (!Number.isSafeInteger(startSeq) || startSeq < 0) throw new TendrilError('E_BAD_INPUT', 'the first seq must be a non-negative integer');
    this.nextSeq = startSeq;
  }

  /** Bytes currently held. */
  get bytes(): number {
    return this.held;
  }

  /** The oldest seq still held (equals the next seq when empty). */
  get oldestSeq(): number {
    return this.batches[this.start]?.seq ?? this.nextSeq;
  }

  push(batch: OutputBatch): void {
    if (batch.seq !== this.nextSeq) throw new TendrilError('E_BAD_INPUT', `ring expected seq ${this.nextSeq}, got ${batch.seq}`);
    this.batches.push(batch);
    this.held += batch.bytes.length;
    this.nextSeq = batch.seq + 1;
    while (this.held > this.capBytes && this.batches.length - this.start > 1) {
      this.held -= this.batches[this.start]!.bytes.length;
      this.batches[this.start++] = undefined;
    }
    if (this.start > 1024 && this.start * 2 > this.batches.length) {
      this.batches = this.batches.slice(this.start);
      this.start = 0;
    }
  }

  /**
   * Batches from `fromSeq` on, or "need snapshot" if some were evicted. A seq this ring never
   * issued (below its first, or beyond its newest: a viewer of an earlier run) also needs a snapshot.
   */
  from(fromSeq: number): ReplayResult {
    if (!Number.isSafeInteger(fromSeq) || fromSeq < 0) throw new TendrilError('E_BAD_INPUT', `replay from ${fromSeq} is not a seq`);
    if (fromSeq > this.nextSeq) return { kind: 'need-snapshot', oldestSeq: this.oldestSeq };
    const oldest = this.oldestSeq;
    if (fromSeq < oldest) return { kind: 'need-snapshot', oldestSeq: oldest };
    return { kind: 'batches', batches: this.batches.slice(this.start + (fromSeq - oldest)) as OutputBatch[] };
  }
}
