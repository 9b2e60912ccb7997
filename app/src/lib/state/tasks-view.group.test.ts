import { describe, expect, it } from 'vitest';
import type { PluginId } from '@tendril/crdt-schema/ids';
import type { Task } from '@tendril/crdt-schema/schema';
import { groupTasks, sourceLabel, upcoming } from './tasks-view.ts';

const task = (id: string, o: Partial<Task> = {}): Task => ({ id, title: id, priority: 'normal', state: 'open', createdAt: 1, ...o });
const PLUGIN = 'mail-tasks-builtin-v01' as PluginId;

describe('tasks view', () => {
  it('shows open tasks by due time (none last) and done ones latest first', () => {
    const g = groupTasks([
      task('no-due', { createdAt: 5 }), task('later', { due: 300 }), task('soon', { due: 100 }),
      task('done-early', { state: 'done', doneAt: 10 }), task('done-late', { state: 'done', doneAt: 20 }),
    ]);
    expect(g.open.map((t) => t.id)).toEqual(['soon', 'later', 'no-due']);
    expect(g.done.map((t) => t.id)).toEqual(['done-late', 'done-early']);
  });

  it('says where a task came from without any of its text', () => {
    expect(sourceLabel({ plugin: PLUGIN, kind: 'mail', account: 'work', ref: '<a@b>' }, (id) => (id === PLUGIN ? 'Mail to tasks' : undefined)))
      .toBe('Mail · work · <a@b> · Mail to tasks');
    expect(sourceLabel({ plugin: PLUGIN, kind: 'calendar', account: 'team', ref: 'team/a team/b' })).toBe('Calendar · team · 2 events');
    expect(sourceLabel(undefined)).toBe('Added by hand');
  });

  it('lists events that have not ended', () => {
    const e = (uid: string, start: number, end: number) => ({ source: 's', uid, summary: uid, start, end });
    expect(upcoming([e('past', 0, 10), e('now', 5, 20), e('next', 30, 40)], 15).map((x) => x.uid)).toEqual(['now', 'next']);
  });
});
