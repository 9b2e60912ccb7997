/**
 * A session's lifecycle state, the summary the gateway announces and lists,
 * and the idle tracker that moves a session between running and idle.
 * Activity is frequent (every output chunk), so the tracker only stores a
 * timestamp; a single timer re-arms itself for the remaining time instead of
 * being reset on each call.
 */
import type { SessionId } from '@tendril/crdt-schema/ids';
import type { Clock, TerminalSize, TimerHandle, Timers } from './deps.ts';
import { Emitter } from './emitter.ts';

/** Lifecycle of a session on the gateway (the same names as the session documents use). */
export const SessionState = {
  /** Output or input within the idle time. */
  Running: 'running',
  /** The shell runs, but nothing happened for the idle time. */
  Idle: 'idle',
  /** The shell is gone; the last screen stays readable. */
  Ended: 'ended',
} as const;
export type SessionState = (typeof SessionState)[keyof typeof SessionState];

export interface SessionInfo {
  readonly id: SessionId;
  readonly title: string;
  readonly cwd: string;
  readonly shell: string;
  readonly state: SessionState;
  readonly startedAt: number;
  readonly lastActivityAt: number;
  readonly size: TerminalSize;
  readonly pid: number;
  readonly mode: 'tmux' | 'plain';
}

/** Idle once nothing happened for `idleAfterMs`, active again on the next activity. */
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
