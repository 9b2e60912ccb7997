/**
 * Reading restore points back: list the manifests the relay holds and keep
 * those the backup key opens (newest first); fetch one restore point's
 * chunks, check each against its address, open it, and check the whole
 * against the manifest's checksum before the caller applies anything.
 * A key that opens none of several manifests is a wrong phrase
 * (`E_PASSPHRASE`); a missing or altered chunk is `E_BACKUP_CORRUPT`.
 */
import { bytesEqual } from '../crypto/bytes.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { TendrilError } from '../errors.ts';
import type { WorkspaceId } from '../ids.ts';
import type { BackupBlobs } from './backup-blobs.ts';
import type { BackupKeys } from './backup-key.ts';
import { openChunk } from './chunk-seal.ts';
import { openManifest, unitsChecksum, type BackupManifest } from './manifest.ts';

/** What a wrong recovery phrase is told. */
export const WRONG_PHRASE = 'the recovery phrase does not open any backup of this workspace: check the words (and that the workspace id is the one from the recovery kit)';

export interface RestorePoint {
  readonly id: string;
  readonly manifest: BackupManifest;
}

export interface RestorePoints {
  /** Newest first. */
  readonly points: readonly RestorePoint[];
  /** Manifests on the relay this key does not open (made under another phrase, or damaged). */
  readonly unreadable: readonly string[];
}

export async function listRestorePoints(crypto: CryptoProvider, blobs: BackupBlobs, keys: BackupKeys, workspace: WorkspaceId): Promise<RestorePoints> {
  const points: RestorePoint[] = [];
  const unreadable: string[] = [];
  for (const info of await blobs.list('backup-manifest')) {
    const sealed = await blobs.get(info.id);
    let manifest: BackupManifest | null = null;
    if (sealed && (await blobs.idOf(sealed)) === info.id) {
      try {
        manifest = openManifest(crypto, keys, workspace, sealed);
      } catch {
        manifest = null;
      }
    }
    if (manifest) points.push({ id: info.id, manifest });
    else unreadable.push(info.id);
  }
  points.sort((a, b) => b.manifest.createdAt - a.manifest.createdAt || (a.id < b.id ? -1 : 1));
  return { points, unreadable };
}

/** Like {@link listRestorePoints}, but a key that opens nothing at all is refused as a wrong phrase. */
export async function requireRestorePoints(crypto: CryptoProvider, blobs: BackupBlobs, keys: BackupKeys, workspace: WorkspaceId): Promise<readonly RestorePoint[]> {
  const { points, unreadable } = await listRestorePoints(crypto, blobs, keys, workspace);
  if (points.length === 0 && unreadable.length > 0) throw new TendrilError('E_PASSPHRASE', WRONG_PHRASE);
  if (points.length === 0) throw new TendrilError('E_BAD_INPUT', 'the relay holds no backup of this workspace');
  return points;
}

/** The units of one restore point, verified. */
export async function readBackupUnits(crypto: CryptoProvider, blobs: BackupBlobs, keys: BackupKeys, point: RestorePoint, onProgress?: (done: number, total: number) => void): Promise<Uint8Array[]> {
  const total = point.manifest.units.reduce((s, u) => s + u.chunks.length, 0);
  let done = 0;
  const units: Uint8Array[] = [];
  for (const unit of point.manifest.units) {
    const out = new Uint8Array(unit.size);
    let at = 0;
    for (const id of unit.chunks) {
      const sealed = await blobs.get(id);
      if (!sealed) throw new TendrilError('E_BACKUP_CORRUPT', `the relay no longer holds chunk ${id} of this restore point`);
      if ((await blobs.idOf(sealed)) !== id) throw new TendrilError('E_BACKUP_CORRUPT', `chunk ${id} came back with other contents than its address`);
      const plain = openChunk(crypto, keys, sealed);
      if (at + plain.length > unit.size) throw new TendrilError('E_BACKUP_CORRUPT', 'a backup unit is longer than its manifest says');
      out.set(plain, at);
      at += plain.length;
      onProgress?.(++done, total);
    }
    if (at !== unit.size) throw new TendrilError('E_BACKUP_CORRUPT', 'a backup unit is shorter than its manifest says');
    units.push(out);
  }
  if (!bytesEqual(unitsChecksum(crypto, units), point.manifest.checksum)) throw new TendrilError('E_BACKUP_CORRUPT', 'the restored data does not match the checksum in its manifest');
  return units;
}
