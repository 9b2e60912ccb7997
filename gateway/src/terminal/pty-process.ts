/**
 * One running terminal: the PTY a shell (or a tmux client attached to the
 * shell's tmux session) runs in. Emits raw output bytes and one `exit`. The
 * difference between ending and detaching matters only with tmux: `end()`
 * stops the shell, `detach()` closes this gateway's view of it and leaves it
 * running for the next gateway process to attach.
 */
import type { SessionId } from '@tendril/crdt-schema/ids';
import { systemTimers, type TerminalSize, type TimerHandle, type Timers } from './deps.ts';
import { Emitter } from './emitter.ts';

/** The part of node-pty's `IPty` the engine uses. */
export interface PtyLike {
  readonly pid: number;
  onData(listener: (data: string | Uint8Array) => void): unknown;
  onExit(listener: (e: { exitCode: number; signal?: number }) => void): unknown;
  write(data: string | Buffer): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
  kill(signal?: string): void;
}

/** How the terminal went away. */
export interface PtyExit {
  /** `exited`: the shell ended by itself; `ended`: we ended it; `detached`: it still runs in tmux. */
  readonly reason: 'exited' | 'ended' | 'detached';
  /** The shell's exit code (plain PTY only; null under tmux). */
  readonly exitCode: number | null;
  readonly signal: number | null;
}

export interface PtyProcessEvents {
  data: Uint8Array;
  exit: PtyExit;
}

/** What the host provides to a process: how to stop the shell, and whether it still runs after the PTY closed. */
export interface PtyControl {
  readonly mode: 'tmux' | 'plain';
  /** Stops the shell for good (kills the tmux session; for a plain PTY, hangs up). */
  endShell(pty: PtyLike): Promise<void>;
  /** After the PTY closed by itself: does the shell still run (a tmux client was killed)? */
  stillRunning(): Promise<boolean>;
}

export class PtyProcess extends Emitter<PtyProcessEvents> {
  private exitInfo: PtyExit | undefined;
  private intent: 'ended' | 'detached' | undefined;
  private pauseTimer: TimerHandle | undefined;

  constructor(
    readonly sessionId: SessionId,
    private readonly pty: PtyLike,
    private readonly control: PtyControl,
    private readonly timers: Timers = systemTimers,
  ) {
    super();
    pty.onData((d) => this.emit('data', typeof d === 'string' ? Buffer.from(d, 'utf8') : d));
    pty.onExit((e) => void this.exited(e.exitCode, e.signal ?? null));
  }

  get pid(): number {
    return this.pty.pid;
  }
  get mode(): 'tmux' | 'plain' {
    return this.control.mode;
  }
  get exit(): PtyExit | undefined {
    return this.exitInfo;
  }
  get isPaused(): boolean {
    return this.pauseTimer !== undefined;
  }

  write(data: Uint8Array | string): void {
    if (this.exitInfo !== undefined) return;
    this.pty.write(typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  resize(size: TerminalSize): void {
    if (this.exitInfo === undefined) this.pty.resize(size.cols, size.rows);
  }

  /**
   * Stops reading output for at most `maxMs` (the kernel buffer fills and the
   * program blocks on write). Pauses are bounded because node-pty destroys an
   * unread socket 200 ms after the child exits: a longer pause would drop the
   * last output of a program that ends during a flood.
   */
  pause(maxMs = 100): void {
    if (this.pauseTimer !== undefined || this.exitInfo !== undefined) return;
    this.pty.pause();
    this.pauseTimer = this.timers.setTimeout(() => this.resume(), maxMs);
  }

  resume(): void {
    if (this.pauseTimer === undefined) return;
    this.timers.clearTimeout(this.pauseTimer);
    this.pauseTimer = undefined;
    this.pty.resume();
  }

  /** Stops the shell (hang-up, then SIGKILL after `graceMs` if it ignores that); resolves with the exit. */
  async end(graceMs = 3000): Promise<PtyExit> {
    if (this.exitInfo !== undefined) return this.exitInfo;
    this.intent ??= 'ended';
    const exited = this.when('exit');
    this.resume();
    await this.control.endShell(this.pty);
    const force = this.timers.setTimeout(() => this.pty.kill('SIGKILL'), graceMs);
    const exit = await exited;
    this.timers.clearTimeout(force);
    return exit;
  }

  /** Closes this view; under tmux the shell keeps running. */
  async detach(): Promise<PtyExit> {
    if (this.control.mode === 'plain') return this.end();
    if (this.exitInfo !== undefined) return this.exitInfo;
    this.intent ??= 'detached';
    const exited = this.when('exit');
    this.pty.kill('SIGHUP');
    return exited;
  }

  private async exited(exitCode: number, signal: number | null): Promise<void> {
    if (this.pauseTimer !== undefined) this.timers.clearTimeout(this.pauseTimer);
    this.pauseTimer = undefined;
    let reason: PtyExit['reason'] = this.intent ?? 'exited';
    if (this.intent === undefined && this.control.mode === 'tmux' && (await this.control.stillRunning())) reason = 'detached';
    const tmux = this.control.mode === 'tmux';
    this.exitInfo = { reason, exitCode: tmux ? null : exitCode, signal: tmux ? null : signal };
    this.emit('exit', this.exitInfo);
  }
}
