/**
 * One terminal session: a shell's PTY, its sequenced output stream, its
 * screen mirror, the input gate and the resize policy, tied together.
 *
 * Data flow: PTY bytes -> OutputStream (batches to viewers at once) -> the
 * mirror worker (snapshots, screen text). Input frames -> InputGate -> PTY.
 * Nothing here pauses the shell: a mirror that falls behind a flood drops
 * what it has not parsed and rebuilds its screen (screen-mirror.ts), and a
 * viewer that falls behind is dropped and rejoins (output-subscriber.ts).
 */
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { DeviceId, SessionId } from '@tendril/crdt-schema/ids';
import { systemClock, systemTimers, type Clock, type TerminalSize, type Timers } from './deps.ts';
import { Emitter } from './emitter.ts';
import { joinStream, type Join, type JoinOptions } from './join.ts';
import { InputGate, type InputDecision, type InputFrame, type InputGateOptions } from './input-gate.ts';
import { OutputStream, type OutputStreamOptions, type SubscribeResult } from './output-stream.ts';
import type { PtyExit, PtyProcess } from './pty-process.ts';
import { ResizePolicy, type SizeChange } from './resize-policy.ts';
import { ScreenMirror, type ScreenMirrorOptions } from './screen-mirror.ts';
import { IdleTracker, SessionState, type SessionInfo } from './session-state.ts';
import type { ScreenSnapshot } from './snapshot.ts';

export { SessionState, type SessionInfo } from './session-state.ts';
export type { Join, JoinOptions } from './join.ts';

export interface TerminalSessionOptions {
  readonly id: SessionId;
  readonly title: string;
  readonly cwd: string;
  readonly shell: string;
  readonly process: PtyProcess;
  readonly size: TerminalSize;
  readonly gate: Omit<InputGateOptions, 'session'>;
  readonly stream?: Omit<OutputStreamOptions, 'timers' | 'clock' | 'afterBatch'>;
  readonly mirror?: Omit<ScreenMirrorOptions, 'cols' | 'rows' | 'clock' | 'timers'>;
  /** No output or input for this long makes the session idle (default 5 min). */
  readonly idleAfterMs?: number;
  readonly resizeDebounceMs?: number;
  readonly clock?: Clock;
  readonly timers?: Timers;
}

export interface SessionEvents {
  state: SessionState;
  /** The terminal size changed; batches from `atSeq` on are drawn at the new size. */
  resize: SizeChange & { readonly atSeq: number };
  snapshot: ScreenSnapshot;
  /** The mirror fell behind a flood and rebuilt its screen from the recent output up to `atSeq`. */
  mirrorRebuilt: { readonly atSeq: number };
  /** The screen mirror failed; output still flows, snapshots and screen text do not. */
  error: Error;
  /** The shell ended and the final snapshot was taken. */
  exit: PtyExit;
}

export class TerminalSession extends Emitter<SessionEvents> {
  readonly id: SessionId;
  readonly stream: OutputStream;
  private readonly mirror: ScreenMirror;
  private readonly gate: InputGate;
  private readonly resizer: ResizePolicy;
  private readonly idle: IdleTracker;
  private readonly startedAt: number;
  private title: string;
  private state: SessionState = SessionState.Running;
  private final: { text: string; snapshot: ScreenSnapshot | undefined } | undefined;
  private exited = false;

  constructor(private readonly o: TerminalSessionOptions) {
    super();
    this.id = o.id;
    this.title = o.title;
    const clock = o.clock ?? systemClock;
    const timers = o.timers ?? systemTimers;
    this.startedAt = clock.now();
    this.idle = new IdleTracker(o.idleAfterMs ?? 5 * 60_000, clock, timers);
    // The mirror is fed after the `batch` listeners (the gateway's send to viewers), in the same tick.
    this.stream = new OutputStream({ ...o.stream, timers, clock, afterBatch: (b) => this.mirror.feed(b) });
    this.mirror = new ScreenMirror({ ...o.mirror, ...o.size, startSeq: this.stream.next.seq, clock, timers });
    this.gate = new InputGate({ ...o.gate, session: o.id });
    const isWriter = (d: DeviceId): boolean => new Set(o.gate.writers()).has(d);
    this.resizer = new ResizePolicy({ initial: o.size, isWriter, debounceMs: o.resizeDebounceMs, timers });

    o.process.on('data', (bytes) => {
      if (this.exited) return;
      this.stream.append(bytes);
      this.idle.touch();
    });
    this.mirror.on('rebuild', (r) => this.emit('mirrorRebuilt', r));
    this.mirror.on('snapshot', (s) => this.emit('snapshot', s));
    this.mirror.on('error', (e) => this.emit('error', e));
    this.resizer.on('resize', (size) => this.applySize(size));
    this.idle.on('idle', (idle) => this.setState(idle ? SessionState.Idle : SessionState.Running));
    o.process.on('exit', (exit) => void this.finish(exit));
  }

  info(): SessionInfo {
    const { id, title, state, startedAt } = this;
    const lastActivityAt = this.idle.lastActivityAt;
    return { id, title, cwd: this.o.cwd, shell: this.o.shell, state, startedAt, lastActivityAt, size: this.resizer.size, pid: this.o.process.pid, mode: this.o.process.mode };
  }
  get mirrorBacklogBytes(): number {
    return this.mirror.backlogBytes;
  }
  /** Times the mirror fell behind and was rebuilt. */
  get mirrorRebuilds(): number {
    return this.mirror.rebuildCount;
  }
  rename(title: string): void {
    this.title = title;
  }

  /** Live from `fromSeq`, or "need snapshot". */
  subscribe(options: { fromSeq?: number; maxQueuedBytes?: number } = {}): SubscribeResult {
    return this.stream.subscribe(options);
  }

  /** Subscribes from `fromSeq` when it is still replayable, else from a fresh snapshot (join.ts). */
  join(options: JoinOptions = {}): Promise<Join> {
    return joinStream(this.stream, () => this.snapshot(), options);
  }

  async snapshot(): Promise<ScreenSnapshot> {
    if (this.final === undefined) {
      try {
        return await this.mirror.snapshot();
      } catch (error) {
        // The session ended while this was asked: the mirror closed after the final snapshot, which stands.
        if (this.final === undefined) throw error;
      }
    }
    if (this.final.snapshot === undefined) throw new TendrilError('E_SESSION_ENDED', 'the session ended without a snapshot');
    return this.final.snapshot;
  }

  /** The visible screen as plain text. */
  async screenText(): Promise<string> {
    return this.final?.text ?? this.mirror.screenText();
  }

  /** Checks an input frame and types it when allowed. */
  input(frame: InputFrame): InputDecision {
    if (this.exited) return { ok: false, reason: 'ended', device: null };
    const d = this.gate.check(frame);
    if (!d.ok) return d;
    this.o.process.write(d.data);
    // Only a key press makes a writer the one the size follows: a window that merely opened (its
    // focus report, its answer to a query) must not take the terminal to its size.
    if (d.typed) this.resizer.activity(d.device);
    this.idle.touch();
    return d;
  }

  /** The last input counter accepted from `device` (0: none), carried over restarts with the gate's counters. */
  lastInputCounter(device: DeviceId): number {
    return this.gate.lastCounter(device);
  }

  /** A device reports its window size. */
  viewport(device: DeviceId, size: TerminalSize): void {
    this.resizer.viewport(device, size);
  }
  /** A writer took focus: the terminal follows its size. */
  focus(device: DeviceId): void {
    this.resizer.activity(device);
  }

  /** Ends the shell; resolves once the final snapshot is taken. */
  async end(): Promise<PtyExit> {
    const exited = this.state === SessionState.Ended ? undefined : this.when('exit');
    await this.o.process.end();
    return exited === undefined ? this.o.process.exit! : exited;
  }

  /** Leaves the shell running (tmux) and releases this gateway's resources. */
  async detach(): Promise<void> {
    const exited = this.state === SessionState.Ended ? undefined : this.when('exit');
    await this.o.process.detach();
    await exited;
  }

  private applySize(size: SizeChange): void {
    this.stream.flush();
    this.o.process.resize(size);
    this.mirror.resize(size);
    this.emit('resize', { ...size, atSeq: this.stream.next.seq });
  }

  private setState(state: SessionState): void {
    this.state = state;
    this.emit('state', state);
  }

  private async finish(exit: PtyExit): Promise<void> {
    this.exited = true;
    this.stream.end();
    this.resizer.dispose();
    this.idle.stop();
    const snapshot = await this.mirror.snapshot().catch(() => undefined);
    const text = await this.mirror.screenText().catch(() => '');
    this.final = { text, snapshot };
    await this.mirror.close();
    this.setState(SessionState.Ended);
    this.emit('exit', exit);
  }
}
