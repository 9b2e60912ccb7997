/**
 * Running a short helper command (tmux here) with its output captured. The
 * runner is injected wherever it is used, so tests can script tmux answers
 * and production code never shells out through a string.
 */
import { execFile } from 'node:child_process';

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
