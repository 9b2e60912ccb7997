import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DeviceId } from '../ids.ts';
import { permissionsDoc } from './permissions.ts';
import { isDangerous, parsePermissionRequest, parsePluginManifest } from './plugin-manifest.ts';

const manifest = (permissions: unknown[]) => ({ id: 'mail-tasks-builtin-v01', name: 'Mail', version: '1', entry: 'builtin:mail-tasks', permissions });
const BY = `${'U'.repeat(42)}A` as DeviceId;

describe('plugin manifest: dangerous permissions', () => {
  it('keeps dangerous: true with its reason, through install', () => {
    const m = parsePluginManifest(manifest([
      { kind: 'read_email', resource: 'work', reason: 'Reads every new message of the account.', dangerous: true },
      { kind: 'network', resource: 'model', reason: 'Asks the model.', dangerous: false },
    ]));
    expect(m.permissions).toEqual([
      { kind: 'read_email', resource: 'work', reason: 'Reads every new message of the account.', dangerous: true },
      { kind: 'network', resource: 'model', reason: 'Asks the model.' },
    ]);
    const p = permissionsDoc(new Y.Doc());
    expect(p.plugins.install(m, BY).permissions[0]).toMatchObject({ kind: 'read_email', dangerous: true });
  });

  it('refuses a dangerous flag that is not a boolean', () => {
    expect(() => parsePluginManifest(manifest([{ kind: 'read_calendar', resource: '*', reason: 'r', dangerous: 'yes' }]))).toThrow(/dangerous/);
  });

  it('refuses mail asked for without the dangerous mark', () => {
    expect(() => parsePluginManifest(manifest([{ kind: 'read_email', resource: '*', reason: 'r' }]))).toThrow(/must be marked dangerous/);
  });
});

describe('dangerous permissions', () => {
  it('marks declared ones, browser history, and folders that are a whole home or the disk', () => {
    expect(isDangerous('network', 'example.com', true)).toBe(true);
    expect(isDangerous('read_browser_history', '/home/me/.config/chromium/Default')).toBe(true);
    for (const whole of ['/', '~', '~/', '/home/me', '/home/me/', '/Users/me', '/root']) expect(isDangerous('read-folder', whole)).toBe(true);
    for (const part of ['/home/me/notes', '/srv/data', '*']) expect(isDangerous('read-folder', part)).toBe(false);
    expect(isDangerous('network', '/')).toBe(false);
  });

  it('keeps dangerous and optional marks, and refuses other values for them', () => {
    expect(parsePermissionRequest({ kind: 'network', resource: 'x', reason: 'r', optional: true, dangerous: false })).toEqual({ kind: 'network', resource: 'x', reason: 'r', optional: true });
    expect(() => parsePermissionRequest({ kind: 'network', resource: 'x', reason: 'r', optional: 'yes' })).toThrow(/optional must be true or false/);
    expect(() => parsePermissionRequest({ kind: 'network', resource: 'x', reason: 'r', dangerous: 1 })).toThrow(/dangerous must be true or false/);
  });
});
