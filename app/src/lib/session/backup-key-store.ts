/**
 * The backup key on this device: one local record (never a relay document,
 * never synced), sealed with the device's local key like device-prefs.ts.
 * It holds the Argon2id output of the recovery phrase, not the phrase, so a
 * device can write automatic backups without asking for the phrase again,
 * and what the automatic backups last did. Devices the phrase was never
 * given to hold no record and write no backup. A record that does not open
 * reads as absent.
 */
import { backupKeysFrom, type BackupKeys } from '@tendril/crdt-schema/backup';
import { secret, type CryptoProvider } from '@tendril/crdt-schema/crypto';
import { fromBase64Url, toBase64Url, type DeviceId, type DocId, type WorkspaceId } from '@tendril/crdt-schema/ids';
import { emptyMeta, type DocStore } from '@tendril/crdt-schema/sync';

const NONCE = 24;
const VERSION = 1;

export type BackupSecretKind = 'phrase' | 'passphrase';

export interface StoredBackupKey {
  readonly keys: BackupKeys;
  readonly kind: BackupSecretKind;
  /** When the phrase was set up on this device. */
  readonly since: number;
  /** The last backup this device wrote (ms), or null. */
  readonly lastBackupAt: number | null;
}

export interface BackupKeyHome {
  readonly crypto: CryptoProvider;
  readonly workspace: WorkspaceId;
  readonly device: DeviceId;
  readonly localKey: Uint8Array;
  readonly storeFor: (doc: DocId) => DocStore;
}

export function backupKeyRecordId(crypto: CryptoProvider, workspace: WorkspaceId, device: DeviceId): DocId {
  return toBase64Url(crypto.hash(new TextEncoder().encode(`tendril/local/backup-key/${workspace}/${device}`), 16)) as DocId;
}

export function backupKeyStore(h: BackupKeyHome) {
  const ad = new TextEncoder().encode(`tendril/local/backup-key/${h.workspace}`);
  const store = h.storeFor(backupKeyRecordId(h.crypto, h.workspace, h.device));
  return {
    async load(): Promise<StoredBackupKey | null> {
      const { state } = await store.load();
      if (!state || state.length <= NONCE) return null;
      const plain = h.crypto.aeadOpen(state.subarray(NONCE), ad, state.subarray(0, NONCE), h.localKey);
      if (!plain) return null;
      try {
        const r = JSON.parse(new TextDecoder().decode(plain)) as Record<string, unknown>;
        if (r.v !== VERSION || typeof r.root !== 'string' || (r.kind !== 'phrase' && r.kind !== 'passphrase') || typeof r.since !== 'number') return null;
        const last = typeof r.lastBackupAt === 'number' ? r.lastBackupAt : null;
        return { keys: backupKeysFrom(h.crypto, secret(fromBase64Url(r.root))), kind: r.kind, since: r.since, lastBackupAt: last };
      } catch {
        return null;
      }
    },
    async save(k: StoredBackupKey): Promise<void> {
      const json = { v: VERSION, root: toBase64Url(k.keys.root.expose()), kind: k.kind, since: k.since, lastBackupAt: k.lastBackupAt };
      const nonce = h.crypto.randomBytes(NONCE);
      const ct = h.crypto.aeadSeal(new TextEncoder().encode(JSON.stringify(json)), ad, nonce, h.localKey);
      const sealed = new Uint8Array(NONCE + ct.length);
      sealed.set(nonce);
      sealed.set(ct, NONCE);
      await store.compact(sealed, 0, emptyMeta);
    },
    async clear(): Promise<void> {
      await store.compact(new Uint8Array(0), 0, emptyMeta);
    },
  };
}

export type BackupKeyStore = ReturnType<typeof backupKeyStore>;
