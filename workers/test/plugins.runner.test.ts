/**
 * The plugin runner with real worker threads: the grant is checked before
 * every run and every access, every access is logged, a revocation stops
 * the next access and the next run, the time limit terminates a runaway
 * plugin, and the thread has no way out but the host API.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostFs } from '../src/plugins/host-fs.ts';
import { nodeHostFs } from '../src/plugins/host-fs.ts';
import { RunStatus } from '../src/plugins/plugin-runner.ts';
import { pluginWorld } from './plugins.fixtures.ts';

/** Reads three files of its granted folder, one of them outside it, and reports each outcome. */
const READER = `
export default async function run(api, ctx) {
  const [folder] = await api.grants('read-folder');
  const results = [];
  for (const name of ['a.txt', 'b.txt', '../outside/secret.txt']) {
    try {
      const f = await api.readFile(folder + '/' + name);
      results.push(name + '=' + f.text);
    } catch (e) {
      results.push(name + ':' + e.code);
    }
  }
  return results.join(' ');
}`;

describe('plugin runner', () => {
  const w = pluginWorld('runner');
  const data = join(w.dir.path, 'data');
  const outside = join(w.dir.path, 'outside');
  let server: Server;
  let host = '';

  beforeAll(async () => {
    mkdirSync(data, { recursive: true });
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(data, 'a.txt'), 'alpha');
    writeFileSync(join(data, 'b.txt'), 'beta');
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('pong');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
    w.dir.remove();
  });

  it('refuses to run a plugin with nothing granted, and logs the refusal as denied', async () => {
    const id = w.install(READER, { permissions: [{ kind: 'read-folder', resource: '*', reason: 'r' }, { kind: 'network', resource: 'example.com', reason: 'n' }] });
    const r = await w.runner().run(id);
    expect(r).toMatchObject({ status: RunStatus.Refused, calls: 0 });
    expect(w.log(id)).toEqual(['denied read-folder *', 'denied network example.com']);
  });

  it('refuses and logs each ungranted access, performs and logs each granted one', async () => {
    const id = w.install(READER);
    w.grant(id, 'read-folder', data);
    const r = await w.runner().run(id);
    expect(r.status).toBe(RunStatus.Ok);
    expect(r.message).toBe('a.txt=alpha b.txt=beta ../outside/secret.txt:denied');
    expect(w.log(id)).toEqual([`allowed read-folder ${data}/a.txt`, `allowed read-folder ${data}/b.txt`, `denied read-folder ${outside}/secret.txt`]);
    const entries = w.permissions.activity.read({ plugin: id });
    expect(entries[0]).toMatchObject({ detail: '5 bytes', device: expect.stringMatching(/^W+A$/) });
    expect(typeof entries[0]!.at).toBe('number');
  });

  it('stops the next access once the grant is revoked mid-run', async () => {
    const id = w.install(READER);
    w.grant(id, 'read-folder', data);
    // The user revokes while the plugin is reading its first file.
    const revokingFs: HostFs = {
      ...nodeHostFs,
      readPrefix: async (p, n) => {
        w.revoke(id, 'read-folder', data);
        return nodeHostFs.readPrefix(p, n);
      },
    };
    const r = await w.runner({ fs: revokingFs }).run(id);
    expect(r.message).toBe('a.txt=alpha b.txt:denied ../outside/secret.txt:denied');
    expect(w.log(id)).toEqual([`allowed read-folder ${data}/a.txt`, `denied read-folder ${data}/b.txt`, `denied read-folder ${outside}/secret.txt`]);
  });

  it('stops the next run once the grant is revoked', async () => {
    const id = w.install(READER);
    w.grant(id, 'read-folder', data);
    const runner = w.runner();
    expect((await runner.run(id)).status).toBe(RunStatus.Ok);
    w.revoke(id, 'read-folder', data);
    const again = await runner.run(id);
    expect(again.status).toBe(RunStatus.Refused);
    expect(w.log(id).at(-1)).toBe('denied read-folder *');
  });

  it('runs without an optional permission, refusing its accesses, but not without a needed one', async () => {
    const id = w.install(`export default async function run(api) {
  const [folder] = await api.grants('read-folder');
  let web = 'fetched';
  try { await api.fetch('http://example.com/'); } catch (e) { web = e.code; }
  return (await api.readFile(folder + '/a.txt')).text + ' ' + web;
}`, { permissions: [{ kind: 'read-folder', resource: '*', reason: 'r' }, { kind: 'network', resource: 'example.com', reason: 'n', optional: true }] });
    expect(await w.runner().run(id)).toMatchObject({ status: RunStatus.Refused, message: 'no permission it asks for is granted' });
    w.deny(id, 'network', 'example.com');
    expect(await w.runner().run(id)).toMatchObject({ status: RunStatus.Refused, message: 'no permission it asks for is granted' });
    w.grant(id, 'read-folder', data);
    expect(await w.runner().run(id)).toMatchObject({ status: RunStatus.Ok, message: 'alpha denied' });
    expect(w.log(id)).toEqual(['denied read-folder *', 'denied read-folder *', 'denied network example.com', `allowed read-folder ${data}/a.txt`]);
  });

  it('lets a denial below a grant win', async () => {
    const id = w.install(READER);
    w.grant(id, 'read-folder', data);
    w.deny(id, 'read-folder', join(data, 'b.txt'));
    const r = await w.runner().run(id);
    expect(r.message).toBe('a.txt=alpha b.txt:denied ../outside/secret.txt:denied');
  });

  it('checks where a symlink leads, not only where it is', async () => {
    const linked = join(w.dir.path, 'linked');
    mkdirSync(linked, { recursive: true });
    symlinkSync(join(outside, 'secret.txt'), join(linked, 'innocent.txt'));
    const id = w.install(`export default async function run(api) {
  const [folder] = await api.grants('read-folder');
  try { return (await api.readFile(folder + '/innocent.txt')).text; } catch (e) { return e.code + ': ' + e.message; }
}`);
    w.grant(id, 'read-folder', linked);
    const r = await w.runner().run(id);
    expect(r.message).toBe(`denied: permission denied: read-folder on ${join(outside, 'secret.txt')} is not granted`);
    expect(w.log(id)).toEqual([`denied read-folder ${join(outside, 'secret.txt')}`]);
  });

  it('writes into a chat it created only while it may create chats', async () => {
    const id = w.install(`export default async function run(api) {
  const { id } = await api.createChat('notes of the plugin');
  const out = [];
  for (const text of ['one', 'two']) {
    try { await api.writeMessage(id, { content: text }); out.push('wrote ' + text); } catch (e) { out.push(e.code); }
  }
  try { await api.writeMessage(id, { role: 'user', content: 'pretend to be the user' }); } catch (e) { out.push(e.code); }
  return out.join(', ');
}`, { permissions: [{ kind: 'write-chats', resource: 'new', reason: 'w' }] });
    w.grant(id, 'write-chats', 'new');
    // The user revokes right after the first message lands (touch follows each write).
    const chats = { ...w.chats, touch: (c: Parameters<typeof w.chats.touch>[0]) => (w.chats.touch(c), w.revoke(id, 'write-chats', 'new')) };
    const r = await w.runner({ chats }).run(id);
    expect(r.message).toBe('wrote one, denied, bad-request');
    const chat = w.chats.list().find((c) => c.title === 'notes of the plugin')!;
    expect((await w.chats.open(chat.id)).transcript().map((m) => `${m.role}: ${m.content}`)).toEqual(['assistant: one']);
    expect(w.log(id)).toEqual(['allowed write-chats new', `allowed write-chats ${chat.id}`, `denied write-chats ${chat.id}`]);
  });

  it('counts the time limit from the moment the thread is up, and fails a thread that never comes up', async () => {
    const id = w.install(`export default async function run(api) { await api.grants('read-folder'); return 'quick'; }`);
    w.grant(id, 'read-folder', data);
    const seen: unknown[] = [];
    const r = await w.runner({ timeLimitMs: 60_000, trace: (dir, m) => dir === 'from-thread' && seen.push(m) }).run(id);
    expect(r.status).toBe(RunStatus.Ok);
    expect(seen[0]).toEqual({ type: 'started' });
    // No thread boots in a millisecond: the run ends as failed, with the reason, and the plugin is free again.
    const slow = w.runner({ bootLimitMs: 1 });
    const failed = await slow.run(id);
    expect(failed.status).toBe(RunStatus.Failed);
    expect(failed.message).toMatch(/did not start within 1 ms/);
    expect(slow.isRunning(id)).toBe(false);
  });

  it('terminates a runaway plugin at the time limit and can run it again', async () => {
    const id = w.install(`export default async function run(api) { await api.grants('read-folder'); for (;;) {} }`);
    w.grant(id, 'read-folder', data);
    const logs: string[] = [];
    const runner = w.runner({ timeLimitMs: 300, log: (l) => logs.push(l) });
    const r = await runner.run(id);
    expect(r.status).toBe(RunStatus.Timeout);
    expect(r.message).toMatch(/time limit of 300 ms/);
    expect(r.calls).toBe(1);
    expect(runner.isRunning(id)).toBe(false);
    expect(logs.join('\n')).toMatch(/timeout: terminated at the time limit/);
    expect((await runner.run(id)).status).toBe(RunStatus.Timeout);
  });

  it('never runs the same plugin twice at once', async () => {
    const id = w.install(`export default async function run(api) { await api.grants('read-folder'); for (;;) {} }`);
    w.grant(id, 'read-folder', data);
    const runner = w.runner({ timeLimitMs: 500 });
    const first = runner.run(id);
    const second = await runner.run(id);
    expect(second).toMatchObject({ status: RunStatus.Refused, message: 'already running' });
    expect((await first).status).toBe(RunStatus.Timeout);
  });

  it('gives the thread no filesystem, processes, network, environment or secrets', async () => {
    const id = w.install(`
export default async function run(api) {
  const tries = {};
  for (const m of ['node:fs', 'fs', 'node:child_process', 'node:net', 'node:http', 'node:worker_threads', 'node:module', 'node:os', 'data:text/javascript,export default 1']) {
    try { await import(m); tries[m] = 'imported'; } catch (e) { tries[m] = 'refused'; }
  }
  try { process.binding('fs'); tries.binding = 'reached'; } catch { tries.binding = 'refused'; }
  tries.fetch = typeof fetch;
  tries.env = Object.keys(process.env).length;
  tries.path = typeof (await import('node:path')).join;
  return JSON.stringify(tries);
}`, { permissions: [] });
    process.env.TENDRIL_TEST_SECRET = 'sk-should-not-leak';
    try {
      const r = await w.runner().run(id);
      expect(r.status).toBe(RunStatus.Ok);
      expect(JSON.parse(r.message)).toEqual({
        'node:fs': 'refused', fs: 'refused', 'node:child_process': 'refused', 'node:net': 'refused', 'node:http': 'refused',
        'node:worker_threads': 'refused', 'node:module': 'refused', 'node:os': 'refused', 'data:text/javascript,export default 1': 'refused',
        binding: 'refused', fetch: 'undefined', env: 0, path: 'function',
      });
    } finally {
      delete process.env.TENDRIL_TEST_SECRET;
    }
  });

  it('fetches through the host only from granted hosts, logging both', async () => {
    const id = w.install(`
export default async function run(api, ctx) {
  const [allowed] = await api.grants('network');
  const a = await api.fetch('http://' + allowed + '/ping');
  let b = '';
  try { await api.fetch('http://localhost:' + allowed.split(':')[1] + '/ping'); } catch (e) { b = e.code; }
  return a.text + ' ' + b;
}`, { permissions: [{ kind: 'network', resource: '*', reason: 'n' }] });
    w.grant(id, 'network', host);
    const r = await w.runner().run(id);
    expect(r.message).toBe('pong denied');
    const port = host.split(':')[1];
    expect(w.log(id)).toEqual([`allowed network ${host}`, `denied network localhost:${port}`]);
  });

  it('reports a plugin that throws, or has no entry function, as failed', async () => {
    const throws = w.install(`export default async function run() { throw new TypeError('nope'); }`, { permissions: [] });
    expect(await w.runner().run(throws)).toMatchObject({ status: RunStatus.Failed, message: 'TypeError: nope' });
    const empty = w.install(`export const x = 1;`, { permissions: [] });
    expect((await w.runner().run(empty)).message).toMatch(/no default export function/);
  });

  it('keeps a plugin inside its own package', async () => {
    const id = w.install(`export default async function run() { try { await import(${JSON.stringify(join(outside, 'secret.txt'))}); return 'imported'; } catch (e) { return e.message; } }`, { permissions: [] });
    expect((await w.runner().run(id)).message).toMatch(/only files of their own package/);
  });
});
