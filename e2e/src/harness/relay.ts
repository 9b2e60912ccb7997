/**
 * The real relay as a child process, started the way users start it
 * (`tendril relay --port P --data DIR`), serving the built app. It can be
 * killed with SIGKILL and started again on the same port and data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './build-app.ts';

export interface Relay {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** The latest 256 KiB of what the relay printed (its JSON log), for a failing test to print. */
  log(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** `env` adds variables to the relay's environment (such as TENDRIL_PROXY_OPENAI_URL). */
export function startRelay(dataDir: string, port = 0, env: Readonly<Record<string, string>> = {}): Promise<Relay> {
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'workers/bin/tendril.js'), 'relay', '--port', String(port), '--data', dataDir], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  let printed = '';
  child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const keep = (d: Buffer): void => void (printed = (printed + d.toString()).slice(-256 * 1024));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the relay did not start: ${log}`)), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the relay exited with ${code}: ${log}`));
    });
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /relay listening on (http:\/\/\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      if (out.includes('not built')) reject(new Error('the relay does not serve the app: app/build is missing'));
      const url = m[1]!;
      child.removeAllListeners('exit');
      resolve({
        url,
        port: Number(new URL(url).port),
        dataDir,
        log: () => printed,
        kill: (signal = 'SIGTERM') =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill(signal);
          }),
      });
    });
  });
}
