import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DeviceId } from '../ids.ts';
import { permissionsDoc } from './permissions.ts';
import { parsePluginManifest } from './plugin-manifest.ts';

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
});
