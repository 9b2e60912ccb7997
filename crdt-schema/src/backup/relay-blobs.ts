/**
 * {@link BackupBlobs} over the relay's stored blobs (blobs/blob-client.ts):
 * ids are the blob layer's SHA-256 in hex, chunks and manifests are their
 * own blob kinds so restore points are found by listing manifests alone.
 */
import { isTendrilError } from '../errors.ts';
import type { BackupBlobKind, BackupBlobs } from './backup-blobs.ts';

/** The stored-blob calls backups use (BlobClient has them). */
export interface StoredBlobClient {
  put(data: Uint8Array, kind: number): Promise<string>;
  get(id: string): Promise<Uint8Array>;
  has(ids: readonly string[]): Promise<boolean[]>;
  list(kind: number): Promise<readonly { id: string; size: number; storedAt: number }[]>;
  delete(id: string): Promise<boolean>;
}

/** The wire's BlobKind numbers for backup blobs (wire/frames.ts). */
export const BACKUP_BLOB_KINDS: Record<BackupBlobKind, number> = { 'backup-chunk': 2, 'backup-manifest': 3 };

export function relayBackupBlobs(client: StoredBlobClient, idOf: (data: Uint8Array) => Promise<string>): BackupBlobs {
  return {
    idOf,
    async hasMany(ids) {
      const present = await client.has(ids);
      return new Set(ids.filter((_, i) => present[i]));
    },
    put: (kind, data) => client.put(data, BACKUP_BLOB_KINDS[kind]),
    async get(id) {
      try {
        return await client.get(id);
      } catch (e) {
        if (isTendrilError(e) && (e.code as string) === 'E_BLOB_NOT_FOUND') return null;
        throw e;
      }
    },
    list: (kind) => client.list(BACKUP_BLOB_KINDS[kind]),
    async delete(ids) {
      for (const id of ids) await client.delete(id);
    },
  };
}

/** Placeholder until the relay's stored blobs land: every call says so. */
export function backupBlobsOver(_relay: unknown): BackupBlobs {
  throw new Error('the relay stored-blob client is not available in this build');
}
