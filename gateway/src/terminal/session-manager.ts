/**
 * The gateway's terminal sessions: starts them (at most `maxSessions`, 5 by
 * default, counting starts in flight), finds them, ends them, re-attaches the
 * shells that survived a restart (tmux), and reports health for the gateway
 * announcement. Ended sessions leave the table once their final snapshot was
 * taken (the `ended` event carries it).
 */
import { TendrilError } from '@tendril/crdt-schema/errors';
import { newSessionId, type SessionId } from '@tendril/crdt-schema/ids';
import type { AgentsFileRequest, AgentsFileResult } from './agents-file.ts';
import { systemClock, type Clock, type TerminalSize } from './deps.ts';
import { Emitter } from './emitter.ts';
import { createHealthReporter, type GatewayHealth, type HealthThresholds, type SystemProbes } from './health.ts';
import type { InputGateOptions } from './input-gate.ts';
import type { PtyExit, PtyProcess } from './pty-process.ts';
import type { PtyHost } from './pty-host.ts';
import type { SessionInfo } from './session-state.ts';
import { TerminalSession, type TerminalSessionOptions } from './session.ts';

export const DEFAULT_MAX_SESSIONS = 5;

export interface StartRequest {
  readonly id?: SessionId;
  readonly title: string;
  readonly cwd: string;
  readonly shell?: string;
  readonly args?: readonly string[];
  /** Added to the manager's base environment. */
  readonly env?: Readonly<Record<string, string>>;
  readonly size?: TerminalSize;
  readonly agentsFile?: AgentsFileRequest;
  readonly agentsFiles?: readonly AgentsFileRequest[];
}

/** Session settings the manager passes through (stream, mirror, idle time, timers). */
export type SessionTuning = Omit<TerminalSessionOptions, 'id' | 'title' | 'cwd' | 'shell' | 'process' | 'size' | 'gate'>;

export interface SessionManagerOptions {
  readonly host: PtyHost;
  /** The environment every shell starts from (read from process.env by the program's main). */
  readonly env: Readonly<Record<string, string>>;
  readonly shell: string;
  /** Who may type into a session and how frames are verified. */
  readonly gate: (id: SessionId) => Omit<InputGateOptions, 'session'>;
  readonly maxSessions?: number;
  readonly defaultSize?: TerminalSize;
  readonly tuning?: SessionTuning;
  readonly clock?: Clock;
  readonly probes?: SystemProbes;
  readonly thresholds?: HealthThresholds;
}

export interface SessionManagerEvents {
  started: SessionInfo;
  ended: { readonly id: SessionId; readonly exit: PtyExit };
}

export class SessionManager extends Emitter<SessionManagerEvents> {
  private readonly sessions = new Map<SessionId, TerminalSession>();
  private starting = 0;
  readonly maxSessions: number;
  private readonly report: ReturnType<typeof createHealthReporter>;

  constructor(private readonly o: SessionManagerOptions) {
    super();
    this.maxSessions = o.maxSessions ?? DEFAULT_MAX_SESSIONS;
    this.report = createHealthReporter(o.clock ?? systemClock, o.probes, o.thresholds);
  }

  async start(request: StartRequest): Promise<{ session: TerminalSession; agentsFile?: AgentsFileResult; agentsFiles?: AgentsFileResult[] }> {
    const id = request.id ?? newSessionId();
    if (this.sessions.has(id)) throw new TendrilError('E_BAD_INPUT', `session ${id} already runs`);
    const shell = request.shell ?? this.o.shell;
    const size = request.size ?? this.o.defaultSize ?? { cols: 80, rows: 24 };
    const { process, agentsFile, agentsFiles } = await this.reserve(() =>
      this.o.host.start({
        sessionId: id, shell, args: request.args, cwd: request.cwd, env: { ...this.o.env, ...request.env }, ...size,
        agentsFile: request.agentsFile, agentsFiles: request.agentsFiles,
      }),
    );
    const session = this.adopt(process, { id, title: request.title, cwd: request.cwd, shell, size });
    return { session, agentsFile, agentsFiles };
  }

  /** Re-attaches every surviving tmux shell (up to the cap); returns their ids. */
  async recover(size: TerminalSize = this.o.defaultSize ?? { cols: 80, rows: 24 }): Promise<SessionId[]> {
    const found = (await this.o.host.list()).filter((s) => !this.sessions.has(s.sessionId));
    const out: SessionId[] = [];
    for (const { sessionId: id, cwd } of found) {
      if (this.sessions.size + this.starting >= this.maxSessions) break;
      const process = await this.reserve(() => this.o.host.attach(id, size, this.o.env));
      this.adopt(process, { id, title: id, cwd, shell: this.o.shell, size }, { startSeq: recoveredStartSeq(this.o.clock ?? systemClock) });
      out.push(id);
    }
    return out;
  }

  get(id: SessionId): TerminalSession {
    const s = this.sessions.get(id);
    if (s === undefined) throw new TendrilError('E_UNKNOWN_SESSION', `no session ${id}`);
    return s;
  }

  list(): SessionInfo[] {
    return [...this.sessions.values()].map((s) => s.info());
  }

  async end(id: SessionId): Promise<PtyExit> {
    return this.get(id).end();
  }

  /** Stops every session: detached (shells keep running under tmux) or ended. */
  async shutdown(options: { keepShells: boolean }): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => (options.keepShells ? s.detach() : s.end())));
  }

  health(): Promise<GatewayHealth> {
    return this.report(this.list(), this.maxSessions);
  }

  private async reserve<T>(work: () => Promise<T>): Promise<T> {
    if (this.sessions.size + this.starting >= this.maxSessions) {
      throw new TendrilError('E_SESSION_LIMIT', `this gateway runs at most ${this.maxSessions} sessions; end one first`);
    }
    this.starting++;
    try {
      return await work();
    } finally {
      this.starting--;
    }
  }

  private adopt(process: PtyProcess, base: { id: SessionId; title: string; cwd: string; shell: string; size: TerminalSize }, stream: { startSeq?: number } = {}): TerminalSession {
    const tuning = this.o.tuning;
    const session = new TerminalSession({
      ...tuning, ...base, process, gate: this.o.gate(base.id), clock: this.o.clock ?? tuning?.clock,
      ...(stream.startSeq !== undefined ? { stream: { ...tuning?.stream, startSeq: stream.startSeq } } : {}),
    });
    this.sessions.set(base.id, session);
    session.once('exit', (exit) => {
      this.sessions.delete(base.id);
      this.emit('ended', { id: base.id, exit });
    });
    this.emit('started', session.info());
    return session;
  }
}

/**
 * Where a re-attached session's output numbering starts: 16 per millisecond of wall time, past
 * every seq an earlier run of the same shell could have issued (a batch is cut at most every
 * 252 KiB, output-stream.ts DEFAULT_MAX_BATCH_BYTES, or 4 ms, so 16 batches a millisecond would be
 * 4 GB/s of terminal output), so viewers still
 * holding the earlier run's position see a gap and restore a snapshot instead of dropping output.
 */
export function recoveredStartSeq(clock: { now(): number }): number {
  return Math.floor(clock.now()) * 16;
}
