/**
 * Turns activity timestamps into an idle flag: idle once nothing happened for
 * `idleAfterMs`, active again on the next activity. Activity is frequent (every
 * output chunk), so it only stores a timestamp; a single timer re-arms itself
 * for the remaining time instead of being reset on each call.
 */
import type { Clock, TimerHandle, Timers } from './deps.ts';
import { Emitter } from './emitter.ts';

export class IdleTracker extends Emitter<{ idle: boolean }> {
  private last: number;
  private idle = false;
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly idleAfterMs: number,
    private readonly clock: Clock,
    private readonly timers: Timers,
  ) {
    super();
    this.last = clock.now();
    this.arm();
  }

  get lastActivityAt(): number {
    return this.last;
  }
  get isIdle(): boolean {
    return this.idle;
  }

  touch(): void {
    this.last = this.clock.now();
    if (!this.idle || this.stopped) return;
    this.idle = false;
    this.emit('idle', false);
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    const wait = Math.max(0, this.last + this.idleAfterMs - this.clock.now());
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      if (this.stopped) return;
      if (this.clock.now() - this.last < this.idleAfterMs) return this.arm();
      this.idle = true;
      this.emit('idle', true);
    }, wait);
  }
}
