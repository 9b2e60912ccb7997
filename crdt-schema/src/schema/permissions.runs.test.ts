import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DeviceId, PluginId } from '../ids.ts';
import { PERMISSIONS } from './keys.ts';
import { permissionsDoc } from './permissions.ts';

const A = `${'A'.repeat(42)}A` as DeviceId;
const B = `${'B'.repeat(42)}A` as DeviceId;
const P = 'folder-indexer-builtin' as PluginId;
const Q = 'chat-digest-builtin-v1' as PluginId;

describe('plugin run history', () => {
  it('merges the runs of every worker, newest first, and filters by plugin', () => {
    const doc = new Y.Doc();
    const perms = permissionsDoc(doc);
    perms.runs.append(A, { plugin: P, trigger: 'schedule', startedAt: 1000, endedAt: 1500, outcome: 'ok', message: 'indexed 2', calls: 9 });
    perms.runs.append(B, { plugin: P, trigger: 'change', startedAt: 2000, endedAt: 2100, outcome: 'refused', message: 'not granted: read-folder', calls: 0 });
    perms.runs.append(A, { plugin: Q, trigger: 'manual', startedAt: 3000, endedAt: 3300, outcome: 'failed', message: 'x'.repeat(900), calls: 1 });
    expect(perms.runs.read({ plugin: P }).map((r) => `${r.device[0]} ${r.trigger} ${r.outcome} ${r.message}`)).toEqual([
      'B change refused not granted: read-folder', 'A schedule ok indexed 2',
    ]);
    const [latest] = perms.runs.read({ limit: 1 });
    expect(latest).toMatchObject({ plugin: Q, outcome: 'failed', calls: 1 });
    expect(latest!.message).toHaveLength(500);
  });

  it('refuses bad records on write and skips malformed ones on read', () => {
    const doc = new Y.Doc();
    const perms = permissionsDoc(doc);
    expect(() => perms.runs.append(A, { plugin: P, trigger: 'schedule', startedAt: 1, endedAt: 2, outcome: 'great' as 'ok', message: '', calls: 0 })).toThrow(/outcome/);
    doc.getMap(PERMISSIONS.runs).set(`${A}/0`, new Y.Array());
    (doc.getMap(PERMISSIONS.runs).get(`${A}/0`) as Y.Array<unknown>).push([{ plugin: P, trigger: 'schedule', startedAt: 'soon', endedAt: 2, outcome: 'ok', message: '', calls: 0 }, 'junk']);
    expect(perms.runs.read()).toEqual([]);
  });

  it('keeps the latest run-now request per plugin and reads a malformed one as none', () => {
    let now = 5000;
    const doc = new Y.Doc();
    const perms = permissionsDoc(doc, { now: () => now });
    expect(perms.runs.requested(P)).toBeUndefined();
    perms.runs.request(P, A);
    now = 6000;
    perms.runs.request(P, B);
    expect(perms.runs.requested(P)).toEqual({ plugin: P, at: 6000, by: B });
    doc.getMap(PERMISSIONS.runRequests).set(Q, { at: 'now', by: A });
    expect(perms.runs.requested(Q)).toBeUndefined();
  });
});
