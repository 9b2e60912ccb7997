/**
 * Child processes for tests: run a TypeScript entry point under tsx, read its
 * stdout line by line, and always reap it (`stop` kills it if still running).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Child {
  readonly process: ChildProcess;
  /** Every stdout line so far. */
  readonly lines: string[];
  /** stderr so far, for failure messages. */
  stderr(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first stdout line matching `pattern`; rejects if the child exits or the deadline passes. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends `signal` (default SIGKILL) if still running, and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function spawnTs(entry: string, args: readonly string[], env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: process.cwd(),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  let listeners: Array<() => void> = [];
  const notify = (): void => {
    for (const l of listeners.splice(0)) l();
  };
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    lines.push(line);
    notify();
  });
  proc.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-20_000);
  });
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => {
      done = true;
      notify();
      resolve({ code, signal });
    }),
  );
  return {
    process: proc,
    lines,
    stderr: () => stderr,
    exited,
    async waitForLine(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (const line of lines) {
          const m = line.match(pattern);
          if (m) return m;
        }
        if (done) throw new Error(`child exited before printing ${pattern}; stderr:\n${stderr}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no line matching ${pattern} within ${timeoutMs} ms; stderr:\n${stderr}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          listeners.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    },
    async stop(signal = 'SIGKILL') {
      if (!done) proc.kill(signal);
      await exited;
      listeners = [];
    },
  };
}
