/** The backup key on a device: sealed with the device's local key in a local-only record, unreadable with another key. */
import { describe, expect, it } from 'vitest';
import { deriveBackupKeys } from '@tendril/crdt-schema/backup';
import { loadCrypto } from '@tendril/crdt-schema/crypto';
import type { DeviceId, DocId, WorkspaceId } from '@tendril/crdt-schema/ids';
import { MemoryDocStore } from '@tendril/crdt-schema/sync';
import { backupKeyRecordId, backupKeyStore } from './backup-key-store.ts';

const WORKSPACE = 'W'.repeat(22) as WorkspaceId;
const DEVICE = `${'d'.repeat(42)}A` as DeviceId;

describe('backup key store', () => {
  it('keeps the key sealed, reads it back, and reads as absent under another local key', async () => {
    const crypto = await loadCrypto();
    const stores = new Map<DocId, MemoryDocStore>();
    const storeFor = (d: DocId) => stores.get(d) ?? (stores.set(d, new MemoryDocStore()), stores.get(d)!);
    const localKey = crypto.randomBytes(32);
    const store = backupKeyStore({ crypto, workspace: WORKSPACE, device: DEVICE, localKey, storeFor });
    expect(await store.load()).toBeNull();
    const keys = await deriveBackupKeys(crypto, 'abandon ability able about above absent absorb abstract absurd abuse access accident', WORKSPACE, { params: { opsLimit: 1, memLimit: 8192 } });
    await store.save({ keys, kind: 'phrase', since: 1, lastBackupAt: 2 });
    const back = await store.load();
    expect(back?.keys.root.expose()).toEqual(keys.root.expose());
    expect(back?.keys.reader.deviceId).toBe(keys.reader.deviceId);
    expect(back).toMatchObject({ kind: 'phrase', since: 1, lastBackupAt: 2 });
    // At rest: neither the key nor its base64url form appears in the stored bytes.
    const raw = (await storeFor(backupKeyRecordId(crypto, WORKSPACE, DEVICE)).load()).state!;
    const root = keys.root.expose();
    expect(Buffer.from(raw).includes(Buffer.from(root))).toBe(false);
    expect(Buffer.from(raw).includes(Buffer.from(Buffer.from(root).toString('base64url')))).toBe(false);
    const other = backupKeyStore({ crypto, workspace: WORKSPACE, device: DEVICE, localKey: crypto.randomBytes(32), storeFor });
    expect(await other.load()).toBeNull();
    await store.clear();
    expect(await store.load()).toBeNull();
  });
});
