import { describe, expect, it } from 'vitest';
import type { DeviceId, PluginId } from '@tendril/crdt-schema/ids';
import { activityCsv, csvCell, normalizeResource } from './plugin-cli.ts';

describe('activity log as CSV', () => {
  it('quotes cells that need it and neutralizes formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"\nthen')).toBe('"say ""hi""\nthen"');
    expect(csvCell('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvCell('-1')).toBe("'-1");
    expect(csvCell(' padded')).toBe('" padded"');
  });

  it('writes a header and one row per entry', () => {
    const lines = activityCsv([
      { plugin: 'p' as PluginId, permission: 'network', resource: 'example.com', outcome: 'denied', detail: 'GET https://example.com/, now', at: Date.UTC(2025, 0, 2), device: 'D' as DeviceId, index: 0 },
    ], () => 'Name');
    expect(lines).toEqual([
      'time,plugin,plugin_name,permission,resource,outcome,detail,device',
      '2025-01-02T00:00:00.000Z,p,Name,network,example.com,denied,"GET https://example.com/, now",D',
    ]);
  });
});

describe('grant resources from the command line', () => {
  it('normalizes hosts, folders and chat ids', () => {
    expect(normalizeResource('network', 'https://Docs.Example.com:8443/path', '/')).toBe('docs.example.com:8443');
    expect(normalizeResource('network', 'Example.COM', '/')).toBe('example.com');
    expect(normalizeResource('network', 'model', '/')).toBe('model');
    expect(normalizeResource('read-folder', 'no/such/dir', '/base')).toBe('/base/no/such/dir');
    expect(normalizeResource('write-chats', 'new', '/')).toBe('new');
    expect(normalizeResource('read-chats', '*', '/')).toBe('*');
    expect(() => normalizeResource('read-chats', 'not-a-chat', '/')).toThrow(/ChatId/);
  });
});
