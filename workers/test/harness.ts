/**
 * Test harness for integration tests: temp directories, the real relay as a
 * child process (so it can be killed with SIGKILL and restarted on the same
 * port and data), the CLI run in-process with captured output, and polling
 * with a deadline instead of sleeps.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from '../src/cli/main.ts';

export const ROOT = resolve(import.meta.dirname, '../..');

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `tendril-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface RelayProcess {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Kills the process with the signal and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `tendril relay` (the relay users run) on the port (0 = free) with the data dir; resolves once it listens. */
export function startRelayProcess(dataDir: string, port = 0, extra: readonly string[] = [], env: Readonly<Record<string, string>> = {}): Promise<RelayProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'workers/bin/tendril.js'), 'relay', '--port', String(port), '--data', dataDir, ...extra], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  return new Promise((resolvePromise, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`relay did not start: ${stderr}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`relay exited with ${code}: ${stderr}`)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /relay listening on (http:\/\/[^\s]+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const url = m[1]!;
      resolvePromise({
        url,
        port: Number(new URL(url).port),
        child,
        kill: (signal = 'SIGTERM') =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.removeAllListeners('exit');
            child.once('exit', () => done());
            child.kill(signal);
          }),
      });
    });
  });
}

export interface CliResult {
  readonly code: number;
  readonly out: string[];
  readonly err: string[];
  /** The last line printed on stdout. */
  readonly last: string;
}

/** Runs `tendril ARGS` in this process (the real CLI code, no subprocess). */
export async function cli(...argv: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli({
    argv,
    env: {},
    io: { out: (l) => out.push(l), err: (l) => err.push(l) },
    now: () => Date.now(),
    cwd: ROOT,
    stopSignal: new Promise(() => {}),
  });
  return { code, out, err, last: out[out.length - 1] ?? '' };
}

/** Runs the CLI and throws with its output unless it exits 0. */
export async function cliOk(...argv: string[]): Promise<CliResult> {
  const r = await cli(...argv);
  if (r.code !== 0) throw new Error(`tendril ${argv.join(' ')} exited ${r.code}: ${[...r.out, ...r.err].join('\n')}`);
  return r;
}

/** Polls `check` until it returns true or the deadline passes. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * A temp directory and a relay process for one test file, started before its
 * tests and stopped (and the directory removed) after them.
 */
export function relayFixture(prefix: string, hooks: { beforeAll(fn: () => Promise<void>, timeout?: number): void; afterAll(fn: () => Promise<void>): void }, relayArgs: readonly string[] = []) {
  const dir = tempDir(prefix);
  const fixture = { dir: dir.path, relay: null as unknown as RelayProcess };
  hooks.beforeAll(async () => {
    fixture.relay = await startRelayProcess(join(dir.path, 'relay'), 0, relayArgs);
  }, 60_000);
  hooks.afterAll(async () => {
    await fixture.relay?.kill();
    dir.remove();
  });
  return fixture;
}
