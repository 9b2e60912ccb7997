/**
 * One consumer of a session's output (a viewer's connection, through the sync
 * layer). Batches wait in a queue capped in bytes; the PTY never waits for a
 * consumer. A consumer that lets its queue pass the cap is dropped with
 * `E_SLOW_CONSUMER` and its queue is freed; `resumeSeq` says where to pick up
 * (replay from the ring if still held, else snapshot + replay).
 */
import type { ErrorCode } from '@tendril/crdt-schema/errors';
import { Emitter } from './emitter.ts';
import type { OutputBatch } from './output-batch.ts';

/** Why a subscription ended. */
export interface CloseReason {
  /** `E_SLOW_CONSUMER` when dropped for falling behind, `E_SESSION_ENDED` when the session ended. */
  readonly code: ErrorCode | 'closed';
  readonly message: string;
  /** The first seq this subscriber did not receive: resume from here. */
  readonly resumeSeq: number;
}

export interface SubscriptionEvents {
  /** A batch was queued (fired for every batch, so a late listener misses nothing it cannot `take()`). */
  readable: void;
  closed: CloseReason;
}

export class Subscription extends Emitter<SubscriptionEvents> {
  private queue: OutputBatch[] = [];
  private head = 0;
  private queued = 0;
  private reason: CloseReason | undefined;
  private waiter: ((b: OutputBatch | undefined) => void) | undefined;
  /** The seq after the last batch the stream pushed. */
  private pushedNext: number;

  /** @param nextSeq the seq of the first batch this subscriber will receive */
  constructor(
    private nextSeq: number,
    readonly maxQueuedBytes: number,
    private readonly detach: (s: Subscription) => void,
  ) {
    super();
    this.pushedNext = nextSeq;
  }

  get queuedBytes(): number {
    return this.queued;
  }
  /** Set once closed; batches still queued may be taken unless it was a drop. */
  get closed(): CloseReason | undefined {
    return this.reason;
  }

  /** Called by the stream; drops this subscriber instead of ever blocking. */
  push(batch: OutputBatch): void {
    if (this.reason !== undefined) return;
    this.pushedNext = batch.seq + 1;
    if (this.waiter !== undefined) {
      const w = this.waiter;
      this.waiter = undefined;
      this.nextSeq = batch.seq + 1;
      w(batch);
      return;
    }
    if (this.queued + batch.bytes.length > this.maxQueuedBytes && this.queued > 0) {
      const resumeSeq = this.queue[this.head]!.seq;
      this.queue = [];
      this.head = 0;
      this.queued = 0;
      this.finish({ code: 'E_SLOW_CONSUMER', message: `queue passed ${this.maxQueuedBytes} bytes`, resumeSeq });
      return;
    }
    this.queue.push(batch);
    this.queued += batch.bytes.length;
    this.emit('readable', undefined);
  }

  /**
   * Discards the queued batches below `seq` (a snapshot covers them) before anything was consumed;
   * true when what remains starts exactly at `seq`.
   */
  skipTo(seq: number): boolean {
    while (this.head < this.queue.length && this.queue[this.head]!.seq < seq) this.queued -= this.queue[this.head++]!.bytes.length;
    const first = this.head < this.queue.length ? this.queue[this.head]!.seq : this.pushedNext;
    if (first === seq) this.nextSeq = seq;
    return first === seq;
  }

  /** Takes every queued batch (non-blocking). */
  take(): OutputBatch[] {
    const out = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    this.queued = 0;
    const last = out.at(-1);
    if (last !== undefined) this.nextSeq = last.seq + 1;
    return out;
  }

  /** The next batch; `undefined` once closed and drained. */
  next(): Promise<OutputBatch | undefined> {
    if (this.head < this.queue.length) {
      const b = this.queue[this.head++]!;
      this.queued -= b.bytes.length;
      this.nextSeq = b.seq + 1;
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      }
      return Promise.resolve(b);
    }
    if (this.reason !== undefined) return Promise.resolve(undefined);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<OutputBatch> {
    for (let b = await this.next(); b !== undefined; b = await this.next()) yield b;
  }

  /** Stops receiving; the default reason is a consumer-side close. */
  close(reason?: Omit<CloseReason, 'resumeSeq'>): void {
    if (this.reason !== undefined) return;
    const resumeSeq = this.queue[this.head]?.seq ?? this.nextSeq;
    this.finish({ code: 'closed', message: 'closed by the consumer', ...reason, resumeSeq });
  }

  private finish(reason: CloseReason): void {
    this.reason = reason;
    this.detach(this);
    const w = this.waiter;
    this.waiter = undefined;
    w?.(undefined);
    this.emit('closed', reason);
  }
}
