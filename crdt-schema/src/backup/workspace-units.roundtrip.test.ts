import { describe, expect, it } from 'vitest';
import { loadCrypto } from '../crypto/load.ts';
import { generateDeviceIdentity } from '../crypto/keys.ts';
import type { ChatId, DocId, WorkspaceId } from '../ids.ts';
import { generateWorkspaceKeys } from '../keyring/workspace-keys.ts';
import type { HomeConfig } from '../workspace/home.ts';
import { contentsToUnits, unitsToContents, type BackupContents } from './workspace-units.ts';

const crypto = await loadCrypto({ ed25519: 'sodium' });
const workspace = 'wsAAAAAAAAAAAAAAAAAAAA' as WorkspaceId;

function contents(): BackupContents {
  const identity = generateDeviceIdentity(crypto);
  const config = { v: 1, workspace, workspaceName: 'w', relay: 'http://127.0.0.1:1', deviceName: 'd', role: 'admin', rootAdmins: [identity.deviceId], docs: {}, registered: true } as unknown as HomeConfig;
  return {
    createdAt: 1_700_000_000_123,
    secrets: { identity, localKey: crypto.randomBytes(32), config, keys: generateWorkspaceKeys(crypto, workspace) },
    docs: [
      { doc: 'docB' as DocId, scope: 'chat', chat: 'chat1' as ChatId, myCounter: 7, state: new Uint8Array([1, 2, 3]) },
      { doc: 'docA' as DocId, scope: 'settings', chat: null, myCounter: 0, state: new Uint8Array([4]) },
    ],
  };
}

describe('workspace backup units', () => {
  it('round-trips, one unit per document in a stable order', () => {
    const c = contents();
    const units = contentsToUnits(c);
    expect(units).toHaveLength(3);
    const back = unitsToContents(crypto, units);
    expect(back.createdAt).toBe(c.createdAt);
    expect(back.docs.map((d) => d.doc)).toEqual(['docA', 'docB']);
    expect(back.docs[1]).toEqual(c.docs[0]);
    expect(back.secrets.identity.deviceId).toBe(c.secrets.identity.deviceId);
    expect(back.secrets.localKey).toEqual(c.secrets.localKey);
    expect(contentsToUnits(back)).toEqual(units);
  });

  it('refuses a unit of the wrong shape', () => {
    const units = contentsToUnits(contents());
    expect(() => unitsToContents(crypto, [units[0]!, units[0]!])).toThrow(/document 1 of the backup does not parse/);
    expect(() => unitsToContents(crypto, [units[0]!, new Uint8Array([...units[1]!, 0])])).toThrow(/trailing bytes/);
    expect(() => unitsToContents(crypto, [])).toThrow(/empty/);
  });
});
