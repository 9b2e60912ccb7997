/**
 * Per-device preferences: a theme chosen on one device is kept sealed in that
 * device's own store and changes neither another device of the same
 * workspace nor the synced settings; the synced theme of old shows until a
 * device picks its own; a record that does not open, or bad values, read as unset.
 */
import { describe, expect, it } from 'vitest';
import { loadCrypto } from '@tendril/crdt-schema/crypto';
import type { DeviceId, DocId, WorkspaceId } from '@tendril/crdt-schema/ids';
import { settingsDoc } from '@tendril/crdt-schema/schema';
import { MemoryDocStore } from '@tendril/crdt-schema/sync';
import { docsWithClients, syncDocs } from '@tendril/crdt-schema/testkit';
import * as Y from 'yjs';
import { devicePrefsId, devicePrefsStore, effectiveTheme, parsePrefs } from './device-prefs.ts';

const WORKSPACE = 'W'.repeat(22) as WorkspaceId;

describe('device preferences', () => {
  it('change the theme on one device only, sealed, and never in the synced settings', async () => {
    const crypto = await loadCrypto();
    const [sa, sb] = docsWithClients(2) as [Y.Doc, Y.Doc];
    const settingsA = settingsDoc(sa);
    settingsA.setTheme('light');
    syncDocs(sa, sb);
    const device = (name: string) => {
      const stores = new Map<DocId, MemoryDocStore>();
      const storeFor = (d: DocId) => stores.get(d) ?? (stores.set(d, new MemoryDocStore()), stores.get(d)!);
      const id = `${name.repeat(42)}A` as DeviceId;
      return { id, storeFor, store: devicePrefsStore({ crypto, workspace: WORKSPACE, device: id, localKey: crypto.randomBytes(32), storeFor }) };
    };
    const a = device('a');
    const b = device('b');
    const before = Y_state(sa);

    await a.store.save({ theme: 'dark', density: 'compact' });
    expect(await a.store.load()).toEqual({ theme: 'dark', density: 'compact' });
    expect(effectiveTheme(await a.store.load(), settingsA.theme())).toBe('dark');
    // The other device still shows the synced theme of old, and the settings did not change.
    expect(await b.store.load()).toEqual({});
    expect(effectiveTheme(await b.store.load(), settingsDoc(sb).theme())).toBe('light');
    expect(Y_state(sa)).toEqual(before);

    const sealed = (await a.storeFor(devicePrefsId(crypto, WORKSPACE, a.id)).load()).state!;
    expect(Buffer.from(sealed).includes(Buffer.from('compact'))).toBe(false);
    sealed[sealed.length - 1]! ^= 1;
    expect(await a.store.load()).toEqual({});
  });

  it('read unknown or out-of-range values as unset', () => {
    expect(parsePrefs({ v: 1, theme: 'neon', density: 'compact', extra: 1 })).toEqual({ density: 'compact' });
    expect(parsePrefs({ v: 2, theme: 'dark' })).toEqual({});
    expect(parsePrefs(null)).toEqual({});
    expect(parsePrefs({ v: 1, idleHours: 48 })).toEqual({ idleHours: 48 });
    for (const idleHours of [0, -1, 1.5, '24', 1e9]) expect(parsePrefs({ v: 1, idleHours })).toEqual({});
    expect(effectiveTheme({}, undefined)).toBe('system');
  });
});

function Y_state(doc: Y.Doc): number[] {
  return Array.from(Y.encodeStateVector(doc));
}
