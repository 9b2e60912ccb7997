/**
 * Long-running `tendril` commands (gateway, worker) as child processes for
 * integration tests: started with arguments, ready once a line of stdout
 * contains the text the command prints when it is up, with everything it
 * printed kept for assertions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './harness.ts';

export interface TendrilProcess {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  /** Everything printed so far, stdout and stderr. */
  log(): string;
  kill(): void;
}

export function startTendril(argv: readonly string[], readyText: string, env: Readonly<Record<string, string>> = {}): TendrilProcess {
  const child = spawn(process.execPath, [join(ROOT, 'workers/bin/tendril.js'), ...argv], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(readyText)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`tendril ${argv[0]} exited ${code}: ${out}`)));
  });
  return { child, ready, log: () => out, kill: () => void child.kill('SIGKILL') };
}

export interface TendrilRun {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/** Runs one short `tendril` command as its own process, optionally writing `stdin` to it, and resolves when it exits. */
export function runTendril(argv: readonly string[], o: { stdin?: string; env?: Readonly<Record<string, string>> } = {}): Promise<TendrilRun> {
  const child = spawn(process.execPath, [join(ROOT, 'workers/bin/tendril.js'), ...argv], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...o.env } });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdin!.end(o.stdin ?? '');
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out, err }));
  });
}
