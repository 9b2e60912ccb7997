/**
 * Starts shells in PTYs for one gateway. With tmux (detected by the caller and
 * passed in) every shell lives in a tmux session named by its session id on
 * the gateway's own socket, so `list()` finds shells that survived a gateway
 * restart and `attach()` picks them up again. Without tmux a shell runs in a
 * plain PTY and dies with the gateway; there, output written in the very last
 * moment before the shell exits can be lost (node-pty on Linux stops reading
 * once the child is gone), which tmux also avoids.
 *
 *   const host = createPtyHost({ spawn: pty.spawn, tmux: { bin: 'tmux', socket: { name: tmuxSocketName(id) } } });
 *   const proc = await host.start({ sessionId, shell: '/bin/bash', cwd, env, cols: 80, rows: 24 });
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { SessionId } from '@tendril/crdt-schema/ids';
import { writeAgentsFile, type AgentsFileRequest, type AgentsFileResult } from './agents-file.ts';
import { runCommand, type RunCommand } from './tmux.ts';
import { isGridSize, systemTimers, type TerminalSize, type Timers } from './deps.ts';
import { PtyProcess, type PtyControl, type PtyLike } from './pty-process.ts';
import { attachArgs, clientEnv, hasTmuxSession, killTmuxSession, listTmuxSessions, newSessionArgs, type TmuxConfig } from './tmux.ts';

/** node-pty's `spawn`, or a stand-in. */
export type PtySpawn = (
  file: string,
  args: string[],
  options: { name: string; cols: number; rows: number; cwd: string; env: Record<string, string>; encoding: null },
) => PtyLike;

export interface PtyHostOptions {
  readonly spawn: PtySpawn;
  /** tmux settings when tmux is available; null runs plain PTYs. */
  readonly tmux: TmuxConfig | null;
  readonly run?: RunCommand;
  readonly timers?: Timers;
}

export interface ShellSpec extends TerminalSize {
  readonly sessionId: SessionId;
  readonly shell: string;
  readonly args?: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Writes an instruction file into `cwd` before the shell starts. */
  readonly agentsFile?: AgentsFileRequest;
  /** More instruction files (AGENTS.md and CLAUDE.md for an agent session: agent-instructions.ts). */
  readonly agentsFiles?: readonly AgentsFileRequest[];
}

export interface PtyHost {
  readonly mode: 'tmux' | 'plain';
  /** Starts a shell; `agentsFile` reports what happened to the instruction file. */
  start(spec: ShellSpec): Promise<{ process: PtyProcess; agentsFile?: AgentsFileResult; agentsFiles?: AgentsFileResult[] }>;
  /** Re-attaches a shell that survived a restart (tmux only). */
  attach(sessionId: SessionId, size: TerminalSize, env?: Readonly<Record<string, string>>): Promise<PtyProcess>;
  /** Shells that survived on this gateway's tmux server, with their current directory (empty without tmux). */
  list(): Promise<{ sessionId: SessionId; cwd: string }[]>;
}

export function createPtyHost(options: PtyHostOptions): PtyHost {
  const run = options.run ?? runCommand;
  const tmux = options.tmux;
  const timers = options.timers ?? systemTimers;

  const spawn = (file: string, args: string[], size: TerminalSize, cwd: string, env: Record<string, string>): PtyLike => {
    if (!isGridSize(size)) throw new TendrilError('E_BAD_INPUT', `bad terminal size ${size.cols}x${size.rows}`);
    try {
      return options.spawn(file, args, { name: 'xterm-256color', cols: size.cols, rows: size.rows, cwd, env, encoding: null });
    } catch (error) {
      throw new TendrilError('E_SPAWN_FAILED', `could not start ${file}: ${(error as Error).message}`, { cause: error });
    }
  };

  const tmuxControl = (cfg: TmuxConfig, sessionId: SessionId): PtyControl => ({
    mode: 'tmux',
    endShell: () => killTmuxSession(run, cfg, sessionId),
    stillRunning: () => hasTmuxSession(run, cfg, sessionId),
  });
  const plainControl: PtyControl = {
    mode: 'plain',
    endShell: async (pty) => pty.kill('SIGHUP'),
    stillRunning: async () => false,
  };

  const attachTmux = (cfg: TmuxConfig, sessionId: SessionId, size: TerminalSize, env: Readonly<Record<string, string>>, cwd: string): PtyProcess =>
    new PtyProcess(sessionId, spawn(cfg.bin, attachArgs(cfg, sessionId), size, cwd, clientEnv(env)), tmuxControl(cfg, sessionId), timers);

  return {
    mode: tmux === null ? 'plain' : 'tmux',

    async start(spec) {
      const dir = await stat(spec.cwd).catch(() => undefined);
      if (dir?.isDirectory() !== true) throw new TendrilError('E_SPAWN_FAILED', `working directory ${spec.cwd} does not exist`);
      if (isAbsolute(spec.shell) && !(await access(spec.shell, constants.X_OK).then(() => true, () => false))) {
        throw new TendrilError('E_SPAWN_FAILED', `${spec.shell} is not an executable`);
      }
      if (!isAbsolute(spec.shell) && !(await onPath(spec.shell, spec.env.PATH ?? ''))) {
        throw new TendrilError('E_SPAWN_FAILED', `${spec.shell} was not found on the gateway's PATH`);
      }
      const agentsFile = spec.agentsFile === undefined ? undefined : await writeAgentsFile(spec.cwd, spec.agentsFile);
      const agentsFiles: AgentsFileResult[] = [];
      for (const f of spec.agentsFiles ?? []) agentsFiles.push(await writeAgentsFile(spec.cwd, f));
      const args = [...(spec.args ?? [])];
      if (tmux === null) {
        const env = { ...spec.env, TERM: 'xterm-256color' };
        const process = new PtyProcess(spec.sessionId, spawn(spec.shell, args, spec, spec.cwd, env), plainControl, timers);
        return { process, agentsFile, agentsFiles };
      }
      if (await hasTmuxSession(run, tmux, spec.sessionId)) throw new TendrilError('E_BAD_INPUT', `session ${spec.sessionId} already runs; attach to it`);
      const created = await run(tmux.bin, newSessionArgs(tmux, { ...spec, args }), { env: clientEnv(spec.env) });
      if (created.code !== 0) throw new TendrilError('E_SPAWN_FAILED', `tmux new-session failed: ${created.stderr.trim()}`);
      return { process: attachTmux(tmux, spec.sessionId, spec, spec.env, spec.cwd), agentsFile, agentsFiles };
    },

    async attach(sessionId, size, env = {}) {
      if (tmux === null) throw new TendrilError('E_UNKNOWN_SESSION', 'without tmux no shell survives a gateway restart');
      if (!(await hasTmuxSession(run, tmux, sessionId))) throw new TendrilError('E_UNKNOWN_SESSION', `no surviving session ${sessionId}`);
      return attachTmux(tmux, sessionId, size, env, '/');
    },

    async list() {
      if (tmux === null) return [];
      return (await listTmuxSessions(run, tmux)).map((s) => ({ sessionId: s.name as SessionId, cwd: s.cwd }));
    },
  };
}

/** True when `name` (a bare command or a relative path) is an executable in one of PATH's folders. */
async function onPath(name: string, path: string): Promise<boolean> {
  if (name.includes('/')) return access(name, constants.X_OK).then(() => true, () => false);
  for (const dir of path.split(delimiter).filter(Boolean)) {
    if (await access(join(dir, name), constants.X_OK).then(() => true, () => false)) return true;
  }
  return false;
}
