/** Automatic backups: one device writes (the lease), daily or after large changes, only with the key and the policy on. */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEDULE } from '@tendril/crdt-schema/backup';
import type { DeviceId } from '@tendril/crdt-schema/ids';
import { settingsDoc } from '@tendril/crdt-schema/schema';
import { docsWithClients, syncDocs } from '@tendril/crdt-schema/testkit';
import { schedulerTick, type SchedulerDeps } from './backup-scheduler.ts';

const HOUR = 3_600_000;

function device(me: string, doc: Y.Doc, clock: { t: number }, peers: () => Y.Doc[]) {
  const settings = settingsDoc(doc);
  let last: number | null | undefined = null;
  let changed = 0;
  const runs: number[] = [];
  const deps: SchedulerDeps = {
    me: me as DeviceId,
    now: () => clock.t,
    schedule: DEFAULT_SCHEDULE,
    settings: () => ({ policy: settings.backupPolicy(), lease: settings.backupLease(), setLease: (l) => settings.setBackupLease(l) }),
    lastBackupAt: () => Promise.resolve(last),
    changedBytes: () => changed,
    settle: () => {
      for (const p of peers()) syncDocs(doc, p);
      return Promise.resolve();
    },
    backUp: () => {
      runs.push(clock.t);
      last = clock.t;
      changed = 0;
      return Promise.resolve();
    },
  };
  return {
    settings,
    runs,
    tick: () => schedulerTick(deps),
    change: (bytes: number) => (changed += bytes),
    dropKey: () => (last = undefined),
  };
}

describe('automatic backups', () => {
  it('run on one device only, daily and after large changes', async () => {
    const clock = { t: 1_700_000_000_000 };
    const [da, db] = docsWithClients(2) as [Y.Doc, Y.Doc];
    const a = device('A', da, clock, () => [db]);
    const b = device('B', db, clock, () => [da]);
    expect(await a.tick()).toBe('backed-up');
    syncDocs(da, db);
    expect(await b.tick()).toBe('other-device');
    clock.t += 2 * HOUR;
    expect(await a.tick()).toBe('not-due');
    a.change(DEFAULT_SCHEDULE.bigChangeBytes);
    expect(await a.tick()).toBe('backed-up');
    clock.t += 24 * HOUR;
    expect(await a.tick()).toBe('backed-up');
    expect(await b.tick()).toBe('other-device');
    expect(a.runs).toHaveLength(3);
    expect(b.runs).toHaveLength(0);
  });

  it('hand over when the lease holder stops renewing', async () => {
    const clock = { t: 1_700_000_000_000 };
    const [da, db] = docsWithClients(2) as [Y.Doc, Y.Doc];
    const a = device('A', da, clock, () => [db]);
    const b = device('B', db, clock, () => [da]);
    await a.tick();
    syncDocs(da, db);
    clock.t += 3 * 24 * HOUR;
    expect(await b.tick()).toBe('backed-up');
    syncDocs(da, db);
    expect(await a.tick()).toBe('other-device');
  });

  it('do nothing without the key or with automatic backups off', async () => {
    const clock = { t: 1_700_000_000_000 };
    const [da] = docsWithClients(1) as [Y.Doc];
    const a = device('A', da, clock, () => []);
    a.dropKey();
    expect(await a.tick()).toBe('no-key');
    expect(a.settings.backupLease()).toBeNull();
    a.settings.setBackupPolicy({ auto: false });
    expect(await a.tick()).toBe('off');
  });

  it('concurrent takes end with one writer', async () => {
    const clock = { t: 1_700_000_000_000 };
    const [da, db] = docsWithClients(2) as [Y.Doc, Y.Doc];
    // Both take before either hears of the other; settling merges both ways.
    const a = device('A', da, clock, () => [db]);
    const b = device('B', db, clock, () => [da]);
    const [ra, rb] = await Promise.all([a.tick(), b.tick()]);
    expect([ra, rb].filter((r) => r === 'backed-up').length).toBeGreaterThanOrEqual(1);
    syncDocs(da, db);
    clock.t += 25 * HOUR;
    const next = [await a.tick(), await b.tick()];
    expect(next.filter((r) => r === 'backed-up')).toHaveLength(1);
  });
});
