/**
 * A real Radicale CalDAV server for tests: started on 127.0.0.1 and a free
 * port with a temp storage folder and plain htpasswd users, stopped by the
 * test. Calendars are made with MKCALENDAR and events seeded with PUT, as a
 * calendar app would.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@tendril/sync-server/testing/redis-server';

export const RADICALE = '/usr/bin/radicale';

export interface TestRadicale {
  readonly url: string;
  /** Makes a calendar collection; returns its URL (ending in '/'). */
  calendar(user: string, password: string, name: string): Promise<string>;
  /** Stores one iCalendar object in a calendar. */
  put(calendarUrl: string, user: string, password: string, uid: string, ics: string): Promise<void>;
  cleanup(): Promise<void>;
}

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

export async function startRadicale(users: readonly { user: string; password: string }[]): Promise<TestRadicale> {
  const dir = mkdtempSync(join(tmpdir(), 'tendril-radicale-'));
  writeFileSync(join(dir, 'users'), users.map((u) => `${u.user}:${u.password}\n`).join(''));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawn(RADICALE, [
    '--server-hosts', `127.0.0.1:${port}`, '--storage-filesystem-folder', join(dir, 'store'),
    '--auth-type', 'htpasswd', '--auth-htpasswd-filename', join(dir, 'users'), '--auth-htpasswd-encryption', 'plain',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`radicale exited (${proc.exitCode}) while starting:\n${output}`);
    const up = await fetch(`${url}/.well-known/caldav`, { redirect: 'manual' }).then(() => true, () => false);
    if (up) break;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`radicale did not answer within 20 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async calendar(user, password, name) {
      const at = `${url}/${user}/${name}/`;
      const res = await fetch(at, { method: 'MKCALENDAR', headers: { authorization: basic(user, password) } });
      if (res.status !== 201) throw new Error(`MKCALENDAR ${at}: ${res.status} ${await res.text()}`);
      return at;
    },
    async put(calendarUrl, user, password, uid, ics) {
      const res = await fetch(`${calendarUrl}${uid}.ics`, { method: 'PUT', body: ics, headers: { authorization: basic(user, password), 'content-type': 'text/calendar' } });
      if (res.status !== 201 && res.status !== 204) throw new Error(`PUT ${uid}: ${res.status} ${await res.text()}`);
    },
    async cleanup() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
