/**
 * tmux as a session keeper: every shell of a gateway runs in its own tmux
 * session on a dedicated server socket (`-L tendril-<gatewayId>` or
 * `-S <path>`), named by the session id, so shells survive a gateway restart
 * and are found again with `list-sessions`. The server is started with no
 * user config and configured to stay out of the way: no status line, no
 * prefix key (every key reaches the shell), no escape delay, and no
 * alternate screen on the outer terminal (so the mirror keeps scrollback).
 * tmux commands go through an injected `RunCommand`, so tests can script
 * tmux's answers and nothing is ever run through a shell string.
 */
import { execFile } from 'node:child_process';
import type { SessionId } from '@tendril/crdt-schema/ids';
import type { TerminalSize } from './deps.ts';

export interface CommandResult {
  /** Exit code; -1 when the command could not be started at all. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `file` with `args` (no shell); resolves with the result, never rejects on a failure exit. */
export type RunCommand = (file: string, args: readonly string[], options?: { env?: NodeJS.ProcessEnv }) => Promise<CommandResult>;

export const runCommand: RunCommand = (file, args, options = {}) =>
  new Promise((resolve) => {
    execFile(file, [...args], { env: options.env ?? process.env, timeout: 10_000, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });

export interface TmuxConfig {
  /** The tmux executable. */
  readonly bin: string;
  /** A socket name under tmux's socket dir, or an explicit socket path. */
  readonly socket: { readonly name: string } | { readonly path: string };
  /** Lines of history tmux keeps per session (default 10,000). */
  readonly historyLimit?: number;
}

export interface TmuxSessionSpec extends TerminalSize {
  readonly sessionId: SessionId;
  readonly shell: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
}

/** The socket name a gateway uses by default. */
export const tmuxSocketName = (gatewayId: string): string => `tendril-${gatewayId}`;

/** The tmux version string when `bin` runs, else null. */
export async function detectTmux(run: RunCommand, bin = 'tmux'): Promise<string | null> {
  const r = await run(bin, ['-V']);
  return r.code === 0 && r.stdout.startsWith('tmux') ? r.stdout.trim() : null;
}

export function socketArgs(cfg: TmuxConfig): string[] {
  return 'path' in cfg.socket ? ['-S', cfg.socket.path] : ['-L', cfg.socket.name];
}

/** Variables describing the outer terminal or an enclosing tmux; never copied into a session. */
const OUTER_VARS = new Set(['TERM', 'TMUX', 'TMUX_PANE']);

/** Arguments that start the server if needed and create a detached session running the shell. */
export function newSessionArgs(cfg: TmuxConfig, spec: TmuxSessionSpec): string[] {
  const options = [
    ['set', '-g', 'status', 'off'],
    ['set', '-g', 'prefix', 'None'],
    ['set', '-g', 'prefix2', 'None'],
    ['set', '-s', 'escape-time', '0'],
    ['set', '-g', 'history-limit', String(cfg.historyLimit ?? 10_000)],
    ['set', '-s', 'terminal-overrides', ',*:smcup@:rmcup@'],
  ];
  const env = Object.entries(spec.env).filter(([k]) => !OUTER_VARS.has(k)).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  const create = ['new-session', '-d', '-s', spec.sessionId, '-x', String(spec.cols), '-y', String(spec.rows), '-c', spec.cwd, ...env, '--', spec.shell, ...spec.args];
  return [...socketArgs(cfg), '-f', '/dev/null', 'start-server', ...options.flatMap((o) => [';', ...o]), ';', ...create];
}

/** Arguments that attach a client (run inside the PTY) to an existing session. */
export function attachArgs(cfg: TmuxConfig, sessionId: SessionId): string[] {
  return [...socketArgs(cfg), 'attach-session', '-t', `=${sessionId}`];
}

/** The environment for the tmux client: the outer terminal is xterm.js, and no enclosing tmux. */
export function clientEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (!OUTER_VARS.has(k)) out[k] = v;
  out.TERM = 'xterm-256color';
  return out;
}

/** A shell found on the gateway's tmux server. */
export interface TmuxShell {
  readonly name: string;
  /** The working directory of the shell's pane now. */
  readonly cwd: string;
}

/** The sessions on this gateway's tmux server (none when the server is not running). */
export async function listTmuxSessions(run: RunCommand, cfg: TmuxConfig): Promise<TmuxShell[]> {
  const r = await run(cfg.bin, [...socketArgs(cfg), 'list-sessions', '-F', '#{session_name}\t#{pane_current_path}']);
  if (r.code !== 0) return [];
  return r.stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const tab = l.indexOf('\t');
      return tab < 0 ? { name: l, cwd: '' } : { name: l.slice(0, tab), cwd: l.slice(tab + 1) };
    });
}

export async function hasTmuxSession(run: RunCommand, cfg: TmuxConfig, sessionId: SessionId): Promise<boolean> {
  return (await run(cfg.bin, [...socketArgs(cfg), 'has-session', '-t', `=${sessionId}`])).code === 0;
}

export async function killTmuxSession(run: RunCommand, cfg: TmuxConfig, sessionId: SessionId): Promise<void> {
  await run(cfg.bin, [...socketArgs(cfg), 'kill-session', '-t', `=${sessionId}`]);
}
