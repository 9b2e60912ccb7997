/**
 * When a session takes its periodic snapshots: `everyMs` after new output
 * first appears, or as soon as `everyBytes` of new output accumulated,
 * whichever comes first, but never sooner than `minIntervalMs` after the
 * previous one. The floor keeps an output flood from turning into a stream of
 * snapshots (each costs a serialize + gzip and, upstream, an upload).
 */
import type { Clock, TimerHandle, Timers } from './deps.ts';

export interface SnapshotScheduleOptions {
  /** Default 10 s. */
  readonly everyMs?: number;
  /** Default 1 MiB. */
  readonly everyBytes?: number;
  /** Default 2 s. */
  readonly minIntervalMs?: number;
}

export class SnapshotSchedule {
  private readonly everyMs: number;
  private readonly everyBytes: number;
  private readonly minIntervalMs: number;
  private pending = 0;
  private last = -Infinity;
  private timer: TimerHandle | undefined;
  private due = Infinity;

  constructor(
    options: SnapshotScheduleOptions,
    private readonly clock: Clock,
    private readonly timers: Timers,
    private readonly take: () => void,
  ) {
    this.everyMs = options.everyMs ?? 10_000;
    this.everyBytes = options.everyBytes ?? 1024 * 1024;
    this.minIntervalMs = options.minIntervalMs ?? 2000;
  }

  /** New output of `bytes` bytes went into the mirror. */
  output(bytes: number): void {
    if (bytes <= 0) return;
    this.pending += bytes;
    const now = this.clock.now();
    const byTime = this.timer === undefined ? now + this.everyMs : this.due;
    const byBytes = this.pending >= this.everyBytes ? now : Infinity;
    this.arm(Math.max(Math.min(byTime, byBytes), this.last + this.minIntervalMs));
  }

  stop(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.due = Infinity;
  }

  private arm(at: number): void {
    if (this.timer !== undefined && this.due <= at) return;
    this.stop();
    this.due = at;
    this.timer = this.timers.setTimeout(() => this.fire(), Math.max(0, at - this.clock.now()));
  }

  private fire(): void {
    this.timer = undefined;
    this.due = Infinity;
    if (this.pending === 0) return;
    this.pending = 0;
    this.last = this.clock.now();
    this.take();
  }
}
