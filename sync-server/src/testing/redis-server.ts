/**
 * A real `redis-server` for tests: started on a free port with a temporary
 * directory, durable settings by default (AOF, fsync on every write, no RDB
 * snapshots), and stopped (SIGKILL available, for crash tests) by the test.
 * `restart` starts it again on the same port and directory, so it reloads
 * its append-only file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { rmSync } from 'node:fs';
import { tempDirs } from './temp-dir.ts';

export const REDIS_SERVER = '/usr/bin/redis-server';

export interface RedisServerOptions {
  /** Extra `--name value` settings, after the defaults (so they override them). */
  readonly settings?: Readonly<Record<string, string>>;
}

export interface TestRedis {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Stops the server (default SIGTERM: a clean shutdown) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same port and directory. */
  restart(): Promise<void>;
  /** Stops the server and removes its directory. */
  cleanup(): Promise<void>;
}

const DURABLE: Record<string, string> = { save: '', appendonly: 'yes', appendfsync: 'always' };

/** A free TCP port on 127.0.0.1 (asked of the OS, then released for the server to bind). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function launch(port: number, dir: string, settings: Record<string, string>): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no', '--protected-mode', 'no'];
  for (const [name, value] of Object.entries(settings)) args.push(`--${name}`, value);
  const proc = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => fail(new Error('redis-server did not start within 20 s')), 20_000);
    const fail = (err: Error): void => {
      clearTimeout(deadline);
      proc.kill('SIGKILL');
      reject(new Error(`${err.message}\n${output}`));
    };
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (/Ready to accept connections/.test(output)) {
        clearTimeout(deadline);
        proc.stdout!.removeAllListeners('data');
        proc.stdout!.resume();
        resolve(proc);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    proc.once('error', fail);
    proc.once('exit', (code, signal) => fail(new Error(`redis-server exited (${code ?? signal}) while starting`)));
  });
}

/** Starts redis-server on a free port with a fresh directory. */
export async function startRedis(opts: RedisServerOptions = {}): Promise<TestRedis> {
  const dirs = tempDirs('tendril-redis-');
  const dir = dirs.make();
  const settings = { ...DURABLE, ...opts.settings };
  const port = await freePort();
  let proc: ChildProcess | undefined = await launch(port, dir, settings);
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    // Drop the start-up watcher (it would report a failed start), then wait for this exit.
    p.removeAllListeners('exit');
    const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    p.kill(signal);
    await exited;
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    stop,
    async restart() {
      await stop();
      proc = await launch(port, dir, settings);
    },
    async cleanup() {
      await stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
