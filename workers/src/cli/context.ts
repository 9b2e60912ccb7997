/**
 * What every command gets: its arguments, the environment, output streams and
 * a clock, all injected by main.ts so commands are testable in-process.
 */
import { resolve } from 'node:path';
import { TendrilError } from '@tendril/crdt-schema/errors';
import { flag, type ParsedArgs } from './args.ts';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Asks a question on the terminal and resolves with the answer line (null at end of input); absent without a terminal. */
  ask?(question: string): Promise<string | null>;
  /** Reads standard input to its end (for secrets given as `-`); absent when there is none. */
  readStdin?(): Promise<string>;
}

export interface CliContext {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly io: CliIo;
  readonly now: () => number;
  readonly cwd: string;
  /** Resolves when the process should stop (SIGINT/SIGTERM) for long-running commands. */
  readonly stopSignal: Promise<void>;
  /** The node binary running the CLI (written into service units); absent in tests. */
  readonly execPath?: string;
  /** Runs `reload` on the reload signal (SIGHUP) from the call on; commands that do not call it keep the signal's default. */
  onReload?(reload: () => void): void;
}

/** `--home DIR`, else TENDRIL_HOME. */
export function homeDir(ctx: CliContext, args: ParsedArgs): string {
  const dir = flag(args, 'home') ?? ctx.env.TENDRIL_HOME;
  if (!dir) throw new TendrilError('E_BAD_INPUT', '--home DIR (or TENDRIL_HOME) is required');
  return resolve(ctx.cwd, dir);
}

/** Seconds flag as milliseconds. */
export function seconds(args: ParsedArgs, name: string, fallbackSeconds: number): number {
  const v = flag(args, name);
  if (v === undefined) return fallbackSeconds * 1000;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new TendrilError('E_BAD_INPUT', `--${name} must be a positive number of seconds`);
  return n * 1000;
}
