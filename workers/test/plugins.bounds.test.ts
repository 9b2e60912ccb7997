/**
 * Bounds on plugin runs in one worker: at most four plugin threads at once by
 * default (the rest queue and run after), and a plugin that throws, runs out
 * of memory or loops forever ends as a logged failure while the runner keeps
 * running others.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PluginId } from '@tendril/crdt-schema/ids';
import { RunStatus, type RunEvent } from '../src/plugins/plugin-runner.ts';
import { DEFAULT_MAX_RUNS } from '../src/plugins/run-slots.ts';
import { pluginWorld } from './plugins.fixtures.ts';

/** Asks the host to fetch from the hold server, which answers only once enough runs are waiting on it. */
const HOLDER = `export default async function run(api) {
  const [host] = await api.grants('network');
  return (await api.fetch('http://' + host + '/hold')).text;
}`;

describe('plugin run bounds', () => {
  const w = pluginWorld('bounds');
  let server: Server;
  let host = '';
  const held: ServerResponse[] = [];
  let arrivals = 0;
  let expected = 0;

  beforeAll(async () => {
    // Holds each request until as many are waiting as may run at once (or all runs have asked), then answers them all:
    // without a limit all six would be running while they wait.
    server = createServer((_req: IncomingMessage, res: ServerResponse) => {
      arrivals++;
      held.push(res);
      if (held.length >= DEFAULT_MAX_RUNS || arrivals >= expected) {
        for (const r of held.splice(0)) r.writeHead(200, { 'content-type': 'text/plain' }).end('released');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
    w.dir.remove();
  });

  it('runs six plugins scheduled together at most four at a time, and all of them', async () => {
    const ids: PluginId[] = [];
    for (let i = 0; i < 6; i++) {
      const id = w.install(HOLDER, { permissions: [{ kind: 'network', resource: '*', reason: 'the hold server' }] });
      w.grant(id, 'network', host);
      ids.push(id);
    }
    expected = 6;
    let running = 0;
    let most = 0;
    const events: RunEvent[] = [];
    const runner = w.runner({
      onRun: (e) => {
        events.push(e);
        if (e.phase === 'started') most = Math.max(most, ++running);
        if (e.phase === 'ended') running--;
      },
    });
    const results = await Promise.all(ids.map((id) => runner.run(id, { kind: 'schedule', at: Date.now() })));
    expect(results.map((r) => `${r.status} ${r.message}`)).toEqual(ids.map(() => 'ok released'));
    expect(most).toBe(4);
    expect(events.filter((e) => e.phase === 'queued')).toHaveLength(6);
    expect(events.filter((e) => e.phase === 'started')).toHaveLength(6);
    // The fifth thread starts only after one of the first four ended.
    const fifth = events.filter((e) => e.phase === 'started')[4]!;
    expect(events.indexOf(fifth)).toBeGreaterThan(events.findIndex((e) => e.phase === 'ended'));
  });

  it('logs a plugin that throws, runs out of memory or never returns, and keeps running others', async () => {
    const none = { permissions: [] };
    const throws = w.install(`export default async function run() { setTimeout(() => { throw new Error('thrown outside the run'); }, 0); await new Promise(() => {}); }`, none);
    const hog = w.install(`export default async function run() { const keep = []; for (;;) keep.push(new Array(1e6).fill(Math.random())); }`, none);
    const loops = w.install(`export default async function run() { for (;;) {} }`, none);
    const fine = w.install(`export default async function run() { return 'still here'; }`, none);
    const logs: string[] = [];
    const runner = w.runner({ timeLimitMs: 1000, memoryLimitMb: 32, log: (l) => logs.push(l) });
    // The hog gets a time limit it cannot reach, so on a busy machine (a thread's start alone can take a
    // good part of a second) it is the memory limit that stops it, as this case means to show.
    const hogRunner = w.runner({ timeLimitMs: 120_000, memoryLimitMb: 32, log: (l) => logs.push(l) });
    const [a, b, c] = await Promise.all([runner.run(throws), hogRunner.run(hog), runner.run(loops)]);
    expect(a).toMatchObject({ status: RunStatus.Failed, message: expect.stringMatching(/crashed: thrown outside the run/) });
    expect(b).toMatchObject({ status: RunStatus.Failed, message: 'stopped at the memory limit of 32 MB' });
    expect(c).toMatchObject({ status: RunStatus.Timeout });
    const text = logs.join('\n');
    expect(text).toMatch(/failed: the plugin thread crashed: thrown outside the run/);
    expect(text).toMatch(/failed: stopped at the memory limit of 32 MB/);
    expect(text).toMatch(/timeout: terminated at the time limit of 1000 ms/);
    expect(await runner.run(fine)).toMatchObject({ status: RunStatus.Ok, message: 'still here' });
  });
});
