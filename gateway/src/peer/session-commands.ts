/**
 * Running one command line on a terminal session, for a headless peer (the
 * agent's `run_command` tool, a plugin's runCommand): the viewer protocol of
 * viewer-core.ts with a screen that keeps the raw output instead of drawing
 * it. The command is typed, signed like any input, as
 *
 *   printf '%s_%s\n' TAG BEGIN; eval '<command>'; printf '\n%s_%s_%s\n' TAG END "$?"
 *
 * on one line, so the shell's echo of what was typed comes before the BEGIN
 * marker (the echo spells `TAG BEGIN` with a space, never `TAG_BEGIN`), and
 * what the command prints until the END marker is its output, with the exit
 * status after it. A command that is still running at the deadline gets a
 * Ctrl-C. Commands on one session run one after another.
 *
 * The device needs the session's keys (a member that writes terminals, or a
 * single-document grant: workspace/doc-grants.ts) and a place on the writer
 * list (writers.ts); the gateway refuses its input otherwise, and the wait
 * ends at the deadline.
 */
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { DocId, SessionId } from '@tendril/crdt-schema/ids';
import { Scope } from '@tendril/crdt-schema/keyring';
import type { SessionEntry } from '@tendril/crdt-schema/schema';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { plainText } from './plain-text.ts';
import { ViewerCore, type Screen, type SnapshotGunzip } from './viewer-core.ts';

export interface SessionCommandRequest {
  /** The gateway's device id or name; optional when `session` is given. */
  readonly gateway?: string;
  readonly session?: string;
  readonly command: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export interface SessionCommandResult {
  readonly exitCode: number | null;
  readonly output: string;
  readonly truncated: boolean;
  readonly timedOut?: boolean;
}

export interface AvailableSession {
  readonly session: SessionId;
  readonly gateway: string;
  readonly gatewayName: string;
  readonly title: string;
}

export interface SessionCommandsOptions {
  readonly crypto: CryptoProvider;
  readonly session: WorkspaceSession;
  readonly gunzip: SnapshotGunzip;
  /** Characters of output kept per command (the tail is kept). */
  readonly maxOutputChars?: number;
  readonly randomTag?: () => string;
}

/** Output as it arrives: the viewer writes bytes in seq order; a reset means a snapshot replaced the stream. */
class CaptureScreen implements Screen {
  private readonly decoder = new TextDecoder();
  listener: ((text: string) => void) | null = null;
  resets = 0;
  async write(bytes: Uint8Array): Promise<void> {
    const text = this.decoder.decode(bytes, { stream: true });
    if (text) this.listener?.(text);
  }
  reset(): void {
    this.resets++;
  }
  resize(): void {}
}

interface Attached {
  readonly core: ViewerCore;
  readonly screen: CaptureScreen;
}

const LIVE = new Set(['running', 'idle']);

export class SessionCommands {
  private readonly o: SessionCommandsOptions;
  private readonly attached = new Map<SessionId, Promise<Attached>>();
  private readonly queues = new Map<SessionId, Promise<unknown>>();

  constructor(o: SessionCommandsOptions) {
    this.o = o;
  }

  /** Live sessions this device can reach: those it holds terminal keys for, or was granted. */
  available(): AvailableSession[] {
    const s = this.o.session;
    const ws = s.workspace();
    const all = s.home.keys.has(Scope.Terminals);
    const granted = new Set<DocId>(s.grants.grantedDocs());
    return ws.sessions
      .list()
      .filter((e) => LIVE.has(e.state) && (all || granted.has(e.docId)))
      .map((e) => ({ session: e.id, gateway: e.gateway, gatewayName: ws.gateways.get(e.gateway)?.name ?? '', title: e.title }));
  }

  /** The session a request names, or the first live one on its gateway this device may use. */
  resolve(req: { gateway?: string; session?: string }): AvailableSession {
    const e = this.entryFor(req);
    return { session: e.id, gateway: e.gateway, gatewayName: this.o.session.workspace().gateways.get(e.gateway)?.name ?? '', title: e.title };
  }

  async run(req: SessionCommandRequest): Promise<SessionCommandResult> {
    const entry = this.entryFor(req);
    const previous = this.queues.get(entry.id) ?? Promise.resolve();
    const mine = previous.catch(() => undefined).then(() => this.runNow(entry, req));
    this.queues.set(entry.id, mine);
    try {
      return await mine;
    } finally {
      if (this.queues.get(entry.id) === mine) this.queues.delete(entry.id);
    }
  }

  /** Stops listening to every attached session. */
  close(): void {
    for (const a of this.attached.values()) void a.then((x) => x.core.close(), () => undefined);
    this.attached.clear();
  }

  private entryFor(req: { gateway?: string; session?: string }): SessionEntry {
    const ws = this.o.session.workspace();
    const matchesGateway = (e: SessionEntry) => !req.gateway || e.gateway === req.gateway || ws.gateways.get(e.gateway)?.name === req.gateway;
    if (req.session) {
      const entry = ws.sessions.get(req.session as SessionId);
      if (!entry) throw new TendrilError('E_UNKNOWN_SESSION', `no terminal session ${req.session}`);
      if (!matchesGateway(entry)) throw new TendrilError('E_BAD_INPUT', `session ${req.session} does not run on gateway ${req.gateway}`);
      if (!LIVE.has(entry.state)) throw new TendrilError('E_SESSION_ENDED', `session ${req.session} is ${entry.state}`);
      return entry;
    }
    const ids = new Set(this.available().map((a) => a.session));
    const candidates = ws.sessions.list().filter((e) => ids.has(e.id) && matchesGateway(e));
    if (candidates.length === 0) throw new TendrilError('E_UNKNOWN_SESSION', `no live terminal session this device may use${req.gateway ? ` on gateway ${req.gateway}` : ''}`);
    return candidates[0]!;
  }

  private attach(entry: SessionEntry): Promise<Attached> {
    let a = this.attached.get(entry.id);
    if (!a) {
      a = (async () => {
        const s = this.o.session;
        await s.peer.openDoc({ doc: entry.docId, scope: Scope.Terminals });
        const screen = new CaptureScreen();
        const core = new ViewerCore({ crypto: this.o.crypto, session: s, entry, screen, gunzip: this.o.gunzip });
        await core.open();
        if (!(await core.whenLive())) throw new TendrilError('E_TIMEOUT', `the gateway of session ${entry.id} did not answer (is it running?)`);
        return { core, screen };
      })();
      this.attached.set(entry.id, a);
      a.catch(() => this.attached.delete(entry.id));
    }
    return a;
  }

  private async runNow(entry: SessionEntry, req: SessionCommandRequest): Promise<SessionCommandResult> {
    if (req.signal?.aborted) throw new TendrilError('E_ABORTED', 'the command was cancelled before it ran');
    const { core, screen } = await this.attach(entry);
    await core.settled();
    const tag = `__TDL_${(this.o.randomTag ?? randomTag)()}`;
    const begin = `${tag}_BEGIN`;
    const end = new RegExp(`${tag}_END_(\\d+)`);
    const limit = this.o.maxOutputChars ?? 200_000;
    let seen = '';
    let output = '';
    let started = false;
    let truncated = false;
    const resetsBefore = screen.resets;
    return new Promise<SessionCommandResult>((resolve) => {
      let done = false;
      const finish = (exitCode: number | null, timedOut: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        screen.listener = null;
        if (timedOut) core.send('\x03');
        const text = plainText(output).replace(/^\n/, '').replace(/\n$/, '');
        resolve({ exitCode, output: text, truncated: truncated || screen.resets !== resetsBefore, ...(timedOut ? { timedOut: true } : {}) });
      };
      screen.listener = (chunk) => {
        if (!started) {
          seen = (seen + chunk).slice(-(begin.length + 4096));
          const at = seen.indexOf(begin);
          if (at < 0) return;
          started = true;
          chunk = seen.slice(at + begin.length);
        }
        output += chunk;
        const m = end.exec(output.slice(-(chunk.length + tag.length + 16)));
        if (m) {
          output = output.slice(0, output.lastIndexOf(m[0]));
          return finish(Number(m[1]), false);
        }
        if (output.length > limit * 2) {
          output = output.slice(-limit);
          truncated = true;
        }
      };
      const timer = setTimeout(() => finish(null, true), req.timeoutMs);
      const onAbort = () => finish(null, true);
      req.signal?.addEventListener('abort', onAbort, { once: true });
      core.send(`printf '%s_%s\\n' ${tag} BEGIN; eval ${shellQuote(req.command)}; printf '\\n%s_%s_%s\\n' ${tag} END "$?"\n`);
    });
  }
}

function randomTag(): string {
  const b = crypto.getRandomValues(new Uint8Array(8));
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

/** A single-quoted shell word: safe for any text, newlines included. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
