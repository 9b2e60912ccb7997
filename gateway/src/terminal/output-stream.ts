/**
 * The low-latency output path of a session. PTY bytes are cut into sequenced
 * batches and handed to every subscriber at once:
 *
 * - the first bytes after an idle period go out immediately (keystroke echo
 *   gets no added latency), and open a `flushMs` window;
 * - bytes arriving inside the window are coalesced and flushed when it ends
 *   (then a new window opens), or as soon as `maxBatchBytes` accumulate;
 * - while output goes on, each window is twice the last, up to `maxFlushMs`
 *   (16 ms): a sustained flood leaves in large batches (each is a sealed
 *   frame through the relay, and frames cost more than their bytes), and the
 *   window is back to `flushMs` once output stops;
 * - the stream goes idle when a window ends with nothing pending; a window
 *   whose time is up counts as ended even if its timer has not fired yet (a
 *   busy event loop runs timers late), so a lone keystroke echo never waits
 *   on a timer.
 *
 * Every batch is kept in a bytes-capped ring for replay. Subscribers get
 * batches through their own capped queues and are dropped, never waited on.
 * Listeners of the `batch` event (the gateway's network send) come before
 * `afterBatch` (the screen mirror), so the mirror's copy is never on the echo
 * path; both run in the same tick.
 */
import { TendrilError } from '@tendril/crdt-schema/errors';
import { systemClock, systemTimers, type Clock, type TimerHandle, type Timers } from './deps.ts';
import { Emitter } from './emitter.ts';
import { concatBytes, type OutputBatch, type StreamPosition } from './output-batch.ts';
import { OutputRing, type ReplayResult } from './output-ring.ts';
import { Subscription, type CloseReason } from './output-subscriber.ts';

/**
 * The default batch cap: 252 KiB, the largest output a stream frame carries (stream-pacer.ts
 * MAX_RUN_BYTES, under the relay's 256 KiB payload limit once sealed). A flood then leaves in as few
 * frames as the relay accepts, each batch as it is (64 KiB batches had to be merged into runs by the
 * pacer, one more copy of every byte, and four times the frames while they were not).
 */
export const DEFAULT_MAX_BATCH_BYTES = 252 * 1024;

export interface OutputStreamOptions {
  /** Coalescing window after a flush, in ms (default 4). */
  readonly flushMs?: number;
  /** Longest window while output goes on (default 16 ms; `flushMs` or less turns growth off). */
  readonly maxFlushMs?: number;
  /**
   * A batch is cut as soon as this many bytes are pending (default DEFAULT_MAX_BATCH_BYTES). Each
   * batch becomes a sealed frame through the relay, and a frame costs about as much as 16 KiB of its
   * bytes (seal, WebSocket, relay routing, open), so a flood goes in large batches; an echo is one
   * small batch.
   */
  readonly maxBatchBytes?: number;
  /** Bytes of recent batches kept for replay (default 4 MiB). */
  readonly ringBytes?: number;
  /**
   * The first batch's seq (default 0). A session re-attached after a gateway restart starts past
   * every seq of the earlier run, so its viewers see a gap and restore a snapshot (session-manager.ts).
   */
  readonly startSeq?: number;
  /** Default per-subscriber queue cap (default 1 MiB). */
  readonly subscriberQueueBytes?: number;
  /** Called with every batch after the `batch` listeners, in the same tick. */
  readonly afterBatch?: (batch: OutputBatch) => void;
  readonly timers?: Timers;
  readonly clock?: Clock;
}

export interface OutputStreamEvents {
  /** Every batch, in order, after subscribers got it. */
  batch: OutputBatch;
  /** The stream was ended; no batch follows. */
  end: StreamPosition;
}

/** The answer to subscribe: live from `fromSeq`, or "restore a snapshot first". */
export type SubscribeResult =
  | { readonly kind: 'subscribed'; readonly subscription: Subscription }
  | { readonly kind: 'need-snapshot'; readonly oldestSeq: number };

export class OutputStream extends Emitter<OutputStreamEvents> {
  private readonly flushMs: number;
  private readonly maxFlushMs: number;
  /** The length of the next window. */
  private windowMs: number;
  private readonly maxBatch: number;
  private readonly queueCap: number;
  private readonly timers: Timers;
  private readonly clock: Clock;
  private readonly afterBatch: ((batch: OutputBatch) => void) | undefined;
  private readonly ring: OutputRing;
  private readonly subscribers = new Set<Subscription>();
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private window: TimerHandle | undefined;
  private windowEndsAt = 0;
  private position: StreamPosition = { seq: 0, offset: 0 };
  private ended = false;

  constructor(options: OutputStreamOptions = {}) {
    super();
    this.flushMs = options.flushMs ?? 4;
    this.maxFlushMs = Math.max(this.flushMs, options.maxFlushMs ?? 16);
    this.windowMs = this.flushMs;
    this.maxBatch = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
    this.queueCap = options.subscriberQueueBytes ?? 1024 * 1024;
    this.timers = options.timers ?? systemTimers;
    this.clock = options.clock ?? systemClock;
    this.afterBatch = options.afterBatch;
    this.ring = new OutputRing(options.ringBytes ?? 4 * 1024 * 1024, options.startSeq ?? 0);
    this.position = { seq: options.startSeq ?? 0, offset: 0 };
  }

  /** The position the next batch will get. */
  get next(): StreamPosition {
    return this.position;
  }
  get subscriberCount(): number {
    return this.subscribers.size;
  }
  /** Bytes held by the replay ring plus bytes not yet flushed. */
  get heldBytes(): number {
    return this.ring.bytes + this.pendingBytes;
  }

  /** Appends PTY output. Never blocks; may emit batches synchronously. */
  append(bytes: Uint8Array): void {
    if (this.ended) throw new TendrilError('E_SESSION_ENDED', 'output appended after the stream ended');
    if (bytes.length === 0) return;
    if (this.window !== undefined && this.clock.now() >= this.windowEndsAt) {
      // The window is over and its timer just has not run yet: end it as the timer would have.
      this.timers.clearTimeout(this.window);
      this.window = undefined;
      this.windowMs = this.pendingBytes > 0 ? this.longer() : this.flushMs;
    }
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= this.maxBatch) this.cutFull();
    if (this.window === undefined) {
      this.flush();
      this.openWindow();
    }
  }

  /** Emits whatever is pending as one batch now. */
  flush(): void {
    if (this.pendingBytes === 0) return;
    const bytes = concatBytes(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.publish(bytes);
  }

  /** Batches from `fromSeq` on, or "need snapshot" when some were evicted. */
  replay(fromSeq: number): ReplayResult {
    return this.ring.from(fromSeq);
  }

  /** Subscribes from `fromSeq` (default: live only); replayed batches are queued first. */
  subscribe(options: { fromSeq?: number; maxQueuedBytes?: number } = {}): SubscribeResult {
    const fromSeq = options.fromSeq ?? this.position.seq;
    const replay = this.ring.from(fromSeq);
    if (replay.kind === 'need-snapshot') return replay;
    const cap = options.maxQueuedBytes ?? this.queueCap;
    const subscription = new Subscription(fromSeq, cap, (s) => this.subscribers.delete(s));
    if (this.ended) {
      for (const b of replay.batches) subscription.push(b);
      subscription.close(endReason());
      return { kind: 'subscribed', subscription };
    }
    this.subscribers.add(subscription);
    for (const b of replay.batches) subscription.push(b);
    return { kind: 'subscribed', subscription };
  }

  /** Flushes, then ends every subscription (they may still drain their queues). */
  end(): void {
    if (this.ended) return;
    this.flush();
    if (this.window !== undefined) this.timers.clearTimeout(this.window);
    this.window = undefined;
    this.ended = true;
    for (const s of [...this.subscribers]) s.close(endReason());
    this.emit('end', this.position);
  }

  /**
   * Publishes full batches, each copied from the pending chunks into a buffer of its own: a batch
   * that were a view into one shared buffer would be copied again to reach the mirror's thread (a
   * posted view clones its whole buffer), and would keep that buffer alive while any batch is. The
   * buffer is a SharedArrayBuffer, so posting the batch to the mirror shares it instead of copying
   * 252 KiB into the thread's heap (in a flood that copy, and the collections it set off, cost the
   * gateway process about a third of its CPU); a published batch is never written again.
   */
  private cutFull(): void {
    while (this.pendingBytes >= this.maxBatch) {
      const out = new Uint8Array(new SharedArrayBuffer(this.maxBatch));
      let at = 0;
      while (at < out.length) {
        const chunk = this.pending[0]!;
        const n = Math.min(chunk.length, out.length - at);
        out.set(n === chunk.length ? chunk : chunk.subarray(0, n), at);
        at += n;
        if (n === chunk.length) this.pending.shift();
        else this.pending[0] = chunk.subarray(n);
      }
      this.pendingBytes -= out.length;
      this.publish(out);
    }
  }

  private openWindow(): void {
    this.windowEndsAt = this.clock.now() + this.windowMs;
    this.window = this.timers.setTimeout(() => {
      this.window = undefined;
      if (this.pendingBytes === 0) {
        this.windowMs = this.flushMs;
        return;
      }
      this.windowMs = this.longer();
      this.flush();
      this.openWindow();
    }, this.windowMs);
  }

  private longer(): number {
    return Math.min(this.maxFlushMs, this.windowMs * 2);
  }

  private publish(bytes: Uint8Array): void {
    const batch: OutputBatch = { seq: this.position.seq, offset: this.position.offset, bytes };
    this.position = { seq: batch.seq + 1, offset: batch.offset + bytes.length };
    this.ring.push(batch);
    for (const s of this.subscribers) s.push(batch);
    this.emit('batch', batch);
    this.afterBatch?.(batch);
  }
}

function endReason(): Omit<CloseReason, 'resumeSeq'> {
  return { code: 'E_SESSION_ENDED', message: 'the session output ended' };
}
