/** The home lock: a second process is refused with E_HOME_IN_USE while the first holds it, and a killed holder leaves no stale lock. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lockHome, waitForHomeLock } from './home-lock.ts';

const dir = mkdtempSync(join(tmpdir(), 'tendril-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ROOT = resolve(import.meta.dirname, '../../..');

/** Another process that takes the lock and keeps it until killed. */
function holder(path: string) {
  const code = `const { lockHome } = await import(${JSON.stringify(join(import.meta.dirname, 'home-lock.ts'))}); lockHome(${JSON.stringify(path)}, 'h', 0); console.log('locked'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const locked = new Promise<void>((ok, fail) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('locked') && ok());
    child.once('exit', (c) => fail(new Error(`lock holder exited ${c}`)));
  });
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  return { child, locked, exited };
}

describe('home lock', () => {
  it('refuses a second process while the first holds the home, and frees it when the holder dies', async () => {
    const path = join(dir, 'home.lock');
    const h = holder(path);
    await h.locked;
    let error: unknown;
    try {
      lockHome(path, '/some/home', 200).release();
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'E_HOME_IN_USE', message: expect.stringContaining('another tendril process is using the home /some/home') });
    h.child.kill('SIGKILL');
    await h.exited;
    const lock = lockHome(path, '/some/home', 10_000);
    lock.release();
  }, 60_000);

  it('waits for the holder without blocking the event loop, takes the home once the holder is gone, and gives up at its deadline', async () => {
    const path = join(dir, 'wait.lock');
    const h = holder(path);
    await h.locked;
    await expect(waitForHomeLock(path, '/w', 300, 50)).rejects.toMatchObject({ code: 'E_HOME_IN_USE' });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const waiting = waitForHomeLock(path, '/w', 30_000, 50);
    // The holder dies only after the waiter has seen the home busy and the event loop kept running.
    await new Promise<void>((ok) => {
      const check = setInterval(() => {
        if (ticks < 3) return;
        clearInterval(check);
        ok();
      }, 10);
    });
    h.child.kill('SIGKILL');
    const lock = await waiting;
    clearInterval(timer);
    lock.release();
  }, 60_000);

  it('is exclusive within one process too, and can be taken again after release', () => {
    const path = join(dir, 'again.lock');
    const first = lockHome(path, 'h', 0);
    expect(() => lockHome(path, 'h', 0)).toThrow(/another tendril process/);
    first.release();
    lockHome(path, 'h', 0).release();
  });
});
