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
