import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DeviceId, PluginId } from '../ids.ts';
import { docsWithClients, syncDocs } from '../testkit/sync-docs.ts';
import { tasksDoc, type TaskSource } from './tasks.ts';

const DEVICE = `${'D'.repeat(42)}A` as DeviceId;
const source: TaskSource = { plugin: 'mail-tasks-builtin-v01' as PluginId, kind: 'mail', account: 'work', ref: '<m1@example.com>' };

describe('tasks document', () => {
  it('adds tasks with their source link, lists open first by due time, and marks them done', () => {
    let now = 1_000;
    const t = tasksDoc(new Y.Doc(), { now: () => now });
    const late = t.add({ title: 'File the report', source, due: 5_000 }, DEVICE).task;
    now = 2_000;
    const soon = t.add({ title: '  Call   the bank ', priority: 'high', due: 3_000, source: { ...source, ref: '<m2@example.com>' } }, DEVICE).task;
    expect(soon).toMatchObject({ title: 'Call the bank', priority: 'high', state: 'open', due: 3_000, createdAt: 2_000, createdBy: DEVICE });
    expect(t.list().map((x) => x.title)).toEqual(['Call the bank', 'File the report']);

    now = 4_000;
    expect(t.setState(soon.id, 'done', DEVICE)).toMatchObject({ state: 'done', doneAt: 4_000, doneBy: DEVICE });
    expect(t.list().map((x) => [x.title, x.state])).toEqual([['File the report', 'open'], ['Call the bank', 'done']]);
    expect(t.setState(soon.id, 'open')).not.toHaveProperty('doneAt');
    expect(t.get(late.id)?.source).toEqual(source);
  });

  it('does not add the same task from the same source twice', () => {
    const t = tasksDoc(new Y.Doc());
    const first = t.add({ title: 'Send the figures', source });
    const again = t.add({ title: 'Send the figures', source });
    expect(again).toEqual({ task: first.task, added: false });
    expect(t.add({ title: 'Send the figures', source: { ...source, ref: '<other@x>' } }).added).toBe(true);
    expect(t.list()).toHaveLength(2);
  });

  it('refuses bad input and writes nothing', () => {
    const t = tasksDoc(new Y.Doc());
    expect(() => t.add({ title: '' })).toThrow(/title/);
    expect(() => t.add({ title: 'x', priority: 'urgent' as never })).toThrow(/priority/);
    expect(() => t.add({ title: 'x', due: -1 })).toThrow(/due/);
    expect(() => t.add({ title: 'x', source: { ...source, kind: 'web' as never } })).toThrow(/source kind/);
    expect(() => t.setState('nope', 'done')).toThrow(/task/);
    expect(t.list()).toEqual([]);
  });

  it("replaces one source's events and keeps the others", () => {
    const t = tasksDoc(new Y.Doc());
    t.replaceEvents('home', [{ source: 'home', uid: 'a', summary: 'Dentist', start: 10, end: 20 }]);
    t.replaceEvents('work', [{ source: 'ignored', uid: 'b', summary: 'Standup', start: 5, end: 6 }, { source: 'work', uid: 'c', summary: 'Review', start: 30, end: 40, location: 'Room 2' }]);
    expect(t.events().map((e) => `${e.source}/${e.uid}`)).toEqual(['work/b', 'home/a', 'work/c']);
    t.replaceEvents('work', [{ source: 'work', uid: 'c', summary: 'Review (moved)', start: 50, end: 60 }]);
    expect(t.events().map((e) => `${e.source}/${e.uid} ${e.summary}`)).toEqual(['home/a Dentist', 'work/c Review (moved)']);
    expect(() => t.replaceEvents('work', [{ source: 'work', uid: 'd', summary: 'Backwards', start: 9, end: 8 }])).toThrow(/ends after/);
    expect(t.events('work')).toHaveLength(1);
  });

  it('merges a done mark on one device with a new task on another', () => {
    const [a, b] = docsWithClients(2);
    const ta = tasksDoc(a!);
    const first = ta.add({ title: 'One', source }).task;
    syncDocs(a!, b!);
    const tb = tasksDoc(b!);
    tb.setState(first.id, 'done');
    ta.add({ title: 'Two', source });
    syncDocs(a!, b!);
    expect(tasksDoc(a!).list().map((x) => `${x.title}:${x.state}`)).toEqual(['Two:open', 'One:done']);
    expect(tb.toJSON()).toEqual(ta.toJSON());
  });
});
