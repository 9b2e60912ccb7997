/**
 * A grant revoked between two scheduled runs: the plugin service fires the
 * plugin on its cron schedule (on a clock the test moves), the first run reads
 * its file, the user revokes one of its two grants, and the next scheduled run
 * is skipped: refused before its thread starts, logged as denied in the
 * activity log, in the worker's log and in the run history.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Timers } from '../src/llm/deps.ts';
import { RunStatus, type RunResult } from '../src/plugins/plugin-runner.ts';
import { PluginService } from '../src/plugins/plugin-service.ts';
import { eventually } from './harness.ts';
import { pluginWorld } from './plugins.fixtures.ts';

/** Timers that fire only when the test moves the clock. */
function manualClock(start: number) {
  let now = start;
  let seq = 0;
  const armed = new Map<number, { due: number; fn: () => void }>();
  const timers: Timers = {
    setTimeout: (fn, ms) => (armed.set(++seq, { due: now + ms, fn }), seq),
    clearTimeout: (h) => void armed.delete(h as number),
  };
  return {
    timers,
    now: () => now,
    advance(ms: number) {
      now += ms;
      for (const [id, t] of [...armed].filter(([, t]) => t.due <= now)) {
        armed.delete(id);
        t.fn();
      }
    },
  };
}

describe('revoking a grant between scheduled runs', () => {
  const w = pluginWorld('revoke-schedule');
  const data = join(w.dir.path, 'data');
  mkdirSync(data, { recursive: true });
  writeFileSync(join(data, 'note.txt'), 'heron');
  // Half a minute past a minute near now: run-now requests carry the document's (real) time.
  const clock = manualClock(Math.floor(Date.now() / 60_000) * 60_000 + 30_000);
  const results: RunResult[] = [];
  const logs: string[] = [];
  const service = new PluginService({
    runner: w.runner({ log: (l) => logs.push(l) }), permissions: w.permissions, state: w.state, now: clock.now, timers: clock.timers, utc: true,
    onResult: (r) => results.push(r),
  });
  afterAll(async () => {
    await service.stop();
    w.dir.remove();
  });

  it('skips the next scheduled run and logs it', async () => {
    const id = w.install(`export default async function run(api) {
  const [folder] = await api.grants('read-folder');
  return (await api.readFile(folder + '/note.txt')).text;
}`, {
      schedule: '* * * * *',
      permissions: [{ kind: 'read-folder', resource: '*', reason: 'reads a note' }, { kind: 'network', resource: 'model', reason: 'asks the model' }],
    });
    w.grant(id, 'read-folder', data);
    w.grant(id, 'network', 'model');
    service.start();

    clock.advance(60_000);
    await eventually(() => results.length === 1, 20_000, 'the first scheduled run');
    expect(results[0]).toMatchObject({ status: RunStatus.Ok, message: 'heron' });

    w.revoke(id, 'read-folder', data);
    clock.advance(60_000);
    await eventually(() => results.length === 2, 20_000, 'the second scheduled time');
    expect(results[1]).toMatchObject({ status: RunStatus.Refused, message: 'not granted: read-folder', calls: 0 });
    expect(w.log(id)).toEqual([`allowed read-folder ${data}/note.txt`, 'denied read-folder *']);
    expect(w.permissions.activity.read({ plugin: id }).at(-1)?.detail).toBe('run refused: read-folder not granted');
    expect(logs.some((l) => l.includes(`plugin ${id}: refused: not granted: read-folder`))).toBe(true);
    expect(w.permissions.runs.read({ plugin: id }).map((r) => `${r.trigger} ${r.outcome} ${r.message}`)).toEqual([
      'schedule refused not granted: read-folder',
      'schedule ok heron',
    ]);
  });

  it('runs a plugin once for each run-now request of the user, and not again on other changes', async () => {
    const id = w.install(`export default async function run() { return 'ran now'; }`, { permissions: [] });
    const user = w.permissions.plugins.get(id)!.installedBy;
    const runs = () => results.filter((r) => r.plugin === id);
    w.permissions.runs.request(id, user);
    await eventually(() => runs().length === 1, 20_000, 'the run-now request to run');
    expect(runs()[0]).toMatchObject({ status: RunStatus.Ok, message: 'ran now' });
    // Another change to the document does not run it again; a new request does.
    w.grant(id, 'network', 'model');
    w.permissions.runs.request(id, user);
    await eventually(() => runs().length === 2, 20_000, 'the second request to run');
    expect(w.permissions.runs.read({ plugin: id }).map((r) => `${r.trigger} ${r.outcome}`)).toEqual(['manual ok', 'manual ok']);
  });
});

