import { describe, expect, it } from 'vitest';
import type { DeviceId, PluginId } from '@tendril/crdt-schema/ids';
import type { ActivityEntry } from '@tendril/crdt-schema/schema';
import { activityCsv, csvCell, filterActivity } from './activity-view.ts';

const entry = (o: Partial<ActivityEntry> = {}): ActivityEntry => ({
  plugin: 'notes' as PluginId, permission: 'read-folder', resource: '/notes', outcome: 'allowed', at: Date.UTC(2026, 0, 2, 3, 4, 5), device: 'dev1' as DeviceId, index: 0, ...o,
});

describe('csvCell', () => {
  it('neutralizes cells a spreadsheet would run as formulas', () => {
    for (const v of ['=1+1', '+1', '-1', '@SUM(A1)']) expect(csvCell(v).startsWith(`'`) || csvCell(v).startsWith(`"'`)).toBe(true);
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('plain')).toBe('plain');
  });
  it('quotes commas, quotes, line breaks and edge spaces', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(' pad')).toBe('" pad"');
  });
});

describe('activityCsv', () => {
  it('writes a header and one row per entry with the plugin name', () => {
    const csv = activityCsv([entry({ detail: '=cmd' })], () => 'Notes, daily');
    expect(csv).toBe('time,plugin,plugin_name,permission,resource,outcome,detail,device\r\n2026-01-02T03:04:05.000Z,notes,"Notes, daily",read-folder,/notes,allowed,\'=cmd,dev1\r\n');
  });
});

describe('filterActivity', () => {
  const all = [entry(), entry({ plugin: 'web' as PluginId, permission: 'network', outcome: 'denied', index: 1 }), entry({ outcome: 'error', index: 2 })];
  it('keeps everything without filters', () => expect(filterActivity(all, {})).toEqual(all));
  it('combines plugin, permission and outcome', () => {
    expect(filterActivity(all, { plugin: 'notes' as PluginId }).map((e) => e.index)).toEqual([0, 2]);
    expect(filterActivity(all, { permission: 'network' }).map((e) => e.index)).toEqual([1]);
    expect(filterActivity(all, { plugin: 'notes' as PluginId, outcome: 'error' }).map((e) => e.index)).toEqual([2]);
    expect(filterActivity(all, { plugin: 'web' as PluginId, outcome: 'allowed' })).toEqual([]);
  });
});
