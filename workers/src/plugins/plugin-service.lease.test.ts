/**
 * A plugin on a one-minute schedule with two workers online runs once per
 * scheduled minute: each worker's plugin service fires, and the run lease
 * (over two copies of the permissions document that meet on sync) lets one
 * of them run it. Without a lease (a service built without one) every worker
 * would run it. The clock and timers are injected.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import type { DeviceId, PluginId } from '@tendril/crdt-schema/ids';
import { parsePluginManifest, permissionsDoc } from '@tendril/crdt-schema/schema';
import { docsWithClients, syncDocs } from '@tendril/crdt-schema/testkit';
import type { Timers } from '../llm/deps.ts';
import { PluginService } from './plugin-service.ts';
import type { PluginRunner, RunResult } from './plugin-runner.ts';
import type { PluginStateStore } from './plugin-state.ts';
import { runLease } from './run-lease.ts';

const A = 'A'.repeat(43) as DeviceId;
const B = 'B'.repeat(43) as DeviceId;
let now = Date.UTC(2026, 0, 1, 0, 0, 30);
let seq = 0;
const queue = new Map<number, { at: number; fn: () => void }>();
const timers: Timers = {
  setTimeout: (fn, ms) => (queue.set(++seq, { at: now + ms, fn }), seq),
  clearTimeout: (h) => void queue.delete(h as number),
};
function advance(ms: number): void {
  const end = now + ms;
  for (;;) {
    const next = [...queue.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
    if (!next) break;
    queue.delete(next[0]);
    now = Math.max(now, next[1].at);
    next[1].fn();
  }
  now = end;
}

const services: PluginService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.stop()));
  queue.clear();
});

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function twoWorkers(leased: boolean) {
  const [pA, pB] = docsWithClients(2) as [Y.Doc, Y.Doc];
  const perms = { A: permissionsDoc(pA, { now: () => now }), B: permissionsDoc(pB, { now: () => now }) };
  const manifest = parsePluginManifest({ id: 'p'.repeat(22), name: 'digest', version: '1.0.0', entry: 'index.js', description: 'd', permissions: [], schedule: '* * * * *' });
  perms.A.plugins.install(manifest, A);
  syncDocs(pA, pB);
  const ran: { worker: string; at: number }[] = [];
  const start = (me: DeviceId, key: 'A' | 'B') => {
    const runner = {
      run: async (plugin: PluginId): Promise<RunResult> => {
        ran.push({ worker: key, at: now });
        return { plugin, outcome: 'ok' } as unknown as RunResult;
      },
      gateFor: () => ({ decide: () => ({ allowed: true }) }),
      stopAll: async () => {},
    } as unknown as PluginRunner;
    const state = { host: () => ({ watches: [] }), updateHost: () => {} } as unknown as PluginStateStore;
    const s = new PluginService({
      runner, permissions: perms[key], state, now: () => now, timers, utc: true,
      ...(leased ? { lease: runLease({ permissions: perms[key], whenSynced: async () => syncDocs(pA, pB), me, settleMs: 5 }) } : {}),
    });
    services.push(s);
    s.start();
  };
  start(A, 'A');
  start(B, 'B');
  return { ran, id: manifest.id, perms };
}

describe('scheduled plugin runs with two workers online', () => {
  it('runs each scheduled minute on one worker', async () => {
    const t = twoWorkers(true);
    for (let minute = 1; minute <= 3; minute++) {
      advance(60_000);
      await until(() => t.ran.length >= minute, `minute ${minute}`);
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(t.ran).toHaveLength(3);
    expect(t.perms.A.leases.get(`plugin:${t.id}`)?.slot).toBe(Date.UTC(2026, 0, 1, 0, 3, 0));
  });

  it('runs on every worker without a lease (what the lease prevents)', async () => {
    const t = twoWorkers(false);
    advance(60_000);
    await until(() => t.ran.length >= 2, 'both workers');
    expect(t.ran.map((r) => r.worker).sort()).toEqual(['A', 'B']);
  });
});
