/**
 * The gateway's outgoing terminal messages, paced to stay under the relay's
 * stream rate (a token bucket per connection: a frame over the limit is
 * refused and lost). Messages leave in order; when they have to wait,
 * consecutive output batches for the same session and audience are merged
 * into one OutputRun (up to `maxRunBytes`), so a flood needs far fewer frames
 * than batches. The queue is bounded: past `maxQueuedBytes` the oldest
 * broadcast output is dropped and viewers fill the hole by rejoining (a
 * replay or a snapshot), so a flood never grows the gateway's memory and
 * never blocks the shell.
 */
import type { DeviceId, DocId } from '@tendril/crdt-schema/ids';
import { systemClock, systemTimers, type Clock, type TimerHandle, type Timers } from '../terminal/deps.ts';
import { encodeTerm, outputParts, TermTag, type TermMessage } from './term-messages.ts';

/**
 * The largest merged output run by default: 252 KiB, so the sealed frame (the run's header, about 40
 * bytes, and the seal's 42) stays under the relay's 256 KiB stream payload limit. At the default 150
 * frames/s that lets a flood through at up to 38 MB/s.
 */
export const MAX_RUN_BYTES = 252 * 1024;

/** Where a message goes: a session document's stream, to every viewer or one device. */
export interface StreamTarget {
  readonly doc: DocId;
  /** A payload in parts is sent as their concatenation. */
  sendStream(payload: Uint8Array | readonly Uint8Array[], to?: DeviceId | ''): boolean;
}

export interface StreamPacerOptions {
  /** Frames per second sustained (default 150: under the relay's default 200). */
  readonly perSecond?: number;
  /** Frames that may leave at once (default 300: under the relay's default 400). */
  readonly burst?: number;
  /** Largest merged output run (default MAX_RUN_BYTES). */
  readonly maxRunBytes?: number;
  /** Output bytes that may wait before the oldest broadcast output is dropped (default 8 MiB). */
  readonly maxQueuedBytes?: number;
  readonly clock?: Clock;
  readonly timers?: Timers;
  /** Told when output was dropped (logs). */
  readonly onDrop?: (bytes: number) => void;
}

interface Queued {
  readonly target: StreamTarget;
  readonly to: DeviceId | '';
  readonly m: TermMessage;
}

type OutputLike = Extract<TermMessage, { t: typeof TermTag.Output | typeof TermTag.OutputRun }>;

const isOutput = (m: TermMessage): m is OutputLike => m.t === TermTag.Output || m.t === TermTag.OutputRun;
const countOf = (m: OutputLike): number => (m.t === TermTag.OutputRun ? m.count : 1);

export class StreamPacer {
  private readonly perMs: number;
  private readonly burst: number;
  private readonly maxRun: number;
  private readonly maxQueued: number;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private tokens: number;
  private refilledAt: number;
  private readonly queue: Queued[] = [];
  private queuedBytes = 0;
  private timer: TimerHandle | undefined;

  constructor(private readonly o: StreamPacerOptions = {}) {
    this.perMs = (o.perSecond ?? 150) / 1000;
    this.burst = o.burst ?? 300;
    this.maxRun = o.maxRunBytes ?? MAX_RUN_BYTES;
    this.maxQueued = o.maxQueuedBytes ?? 8 * 1024 * 1024;
    this.clock = o.clock ?? systemClock;
    this.timers = o.timers ?? systemTimers;
    this.tokens = this.burst;
    this.refilledAt = this.clock.now();
  }

  /** Messages waiting for a token. */
  get waiting(): number {
    return this.queue.length;
  }

  send(target: StreamTarget, m: TermMessage, to: DeviceId | '' = ''): void {
    this.queue.push({ target, to, m });
    if (isOutput(m)) this.queuedBytes += m.bytes.length;
    this.bound();
    this.pump();
  }

  /** Stops the timer; queued messages are dropped. */
  close(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.queuedBytes = 0;
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.refilledAt) * this.perMs);
    this.refilledAt = now;
  }

  private pump(): void {
    this.refill();
    while (this.queue.length > 0 && this.tokens >= 1) {
      const { target, to, payload } = this.take();
      this.tokens -= 1;
      target.sendStream(payload, to);
    }
    if (this.queue.length > 0 && this.timer === undefined) {
      const wait = Math.max(1, Math.ceil((1 - this.tokens) / this.perMs));
      this.timer = this.timers.setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, wait);
    }
  }

  /**
   * The head of the queue, merged with the output batches right behind it that continue it, encoded;
   * output as its head and its batches' own bytes, which the target seals into its frame (one copy).
   */
  private take(): { readonly target: StreamTarget; readonly to: DeviceId | ''; readonly payload: Uint8Array | readonly Uint8Array[] } {
    const head = this.queue.shift()!;
    const { target, to } = head;
    if (!isOutput(head.m)) return { target, to, payload: encodeTerm(head.m) };
    this.queuedBytes -= head.m.bytes.length;
    const run: OutputLike = head.m;
    const parts: Uint8Array[] = [run.bytes];
    let bytes = run.bytes.length;
    let count = countOf(run);
    for (let next = this.queue[0]; next && next.target === head.target && next.to === head.to && isOutput(next.m); next = this.queue[0]) {
      const m = next.m;
      if (m.seq !== run.seq + count || m.offset !== run.offset + bytes || bytes + m.bytes.length > this.maxRun) break;
      this.queue.shift();
      this.queuedBytes -= m.bytes.length;
      parts.push(m.bytes);
      bytes += m.bytes.length;
      count += countOf(m);
    }
    if (parts.length === 1) return { target, to, payload: outputParts(run, parts) };
    return { target, to, payload: outputParts({ seq: run.seq, count, offset: run.offset }, parts) };
  }

  /** Drops the oldest broadcast output while too much waits. */
  private bound(): void {
    while (this.queuedBytes > this.maxQueued) {
      const i = this.queue.findIndex((q) => isOutput(q.m) && q.to === '');
      if (i < 0) return;
      const [dropped] = this.queue.splice(i, 1);
      const n = (dropped!.m as OutputLike).bytes.length;
      this.queuedBytes -= n;
      this.o.onDrop?.(n);
    }
  }
}
