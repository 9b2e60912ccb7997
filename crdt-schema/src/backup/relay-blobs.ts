/**
 * {@link BackupBlobs} over the relay's stored blobs (blobs/blob-client.ts):
 * ids are the blob layer's SHA-256 in hex, chunks and manifests are their
 * own blob kinds so restore points are found by listing manifests alone.
 */
import { BlobClient, type BlobTransport } from '../blobs/blob-client.ts';
import { blobIdHex, blobIdOf } from '../blobs/blob-id.ts';
import { isTendrilError } from '../errors.ts';
import { BlobKind } from '../wire/frames.ts';
import type { BackupBlobKind, BackupBlobs } from './backup-blobs.ts';

/** The stored-blob calls backups use (BlobClient has them). */
export interface StoredBlobClient {
  put(data: Uint8Array, kind: BlobKind): Promise<string>;
  get(id: string): Promise<Uint8Array>;
  has(ids: readonly string[]): Promise<boolean[]>;
  list(kind: BlobKind): Promise<readonly { id: string; size: number; storedAt: number }[]>;
  delete(id: string): Promise<boolean>;
}

const KINDS: Record<BackupBlobKind, BlobKind> = { 'backup-chunk': BlobKind.BackupChunk, 'backup-manifest': BlobKind.BackupManifest };

export function relayBackupBlobs(client: StoredBlobClient, idOf: (data: Uint8Array) => Promise<string>): BackupBlobs {
  return {
    idOf,
    async hasMany(ids) {
      const present = await client.has(ids);
      return new Set(ids.filter((_, i) => present[i]));
    },
    put: (kind, data) => client.put(data, KINDS[kind]),
    async get(id) {
      try {
        return await client.get(id);
      } catch (e) {
        if (isTendrilError(e) && (e.code as string) === 'E_BLOB_NOT_FOUND') return null;
        throw e;
      }
    },
    list: (kind) => client.list(KINDS[kind]),
    async delete(ids) {
      for (const id of ids) await client.delete(id);
    },
  };
}


/** SHA-256 in hex: the relay's blob address. */
export const blobAddress = async (data: Uint8Array): Promise<string> => blobIdHex(await blobIdOf(data));

/** Backup blobs over a relay connection (a RelayClient). */
export function backupBlobsOver(relay: BlobTransport): BackupBlobs {
  return relayBackupBlobs(new BlobClient(relay), blobAddress);
}
