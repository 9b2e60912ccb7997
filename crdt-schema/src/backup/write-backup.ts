/**
 * Writing one restore point: each unit (the caller's split of the
 * workspace: one per document, one for the device's keys) is cut into
 * content-defined chunks (chunking.ts), each sealed deterministically
 * (chunk-seal.ts); the relay is asked once which chunk ids it already
 * holds, only the others are uploaded, then the sealed manifest. So a
 * second backup after one changed message uploads the chunks of that one
 * document.
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import type { DeviceId, WorkspaceId } from '../ids.ts';
import type { BackupBlobs } from './backup-blobs.ts';
import type { BackupKeys } from './backup-key.ts';
import { sealChunk } from './chunk-seal.ts';
import { chunkBoundaries, DEFAULT_CHUNKING, type ChunkingParams } from './chunking.ts';
import { sealManifest, unitsChecksum, type BackupManifest, type ManifestUnit } from './manifest.ts';


export interface WriteBackupInput {
  readonly workspace: WorkspaceId;
  readonly device: DeviceId;
  readonly deviceName: string;
  readonly now: number;
  readonly units: readonly Uint8Array[];
  /** Where chunks are cut; tests pass small sizes. */
  readonly chunking?: ChunkingParams;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface WriteBackupResult {
  readonly manifestId: string;
  readonly manifest: BackupManifest;
  /** Chunks sent to the relay by this run. */
  readonly uploaded: number;
  /** Chunks the relay already held (unchanged since an earlier backup). */
  readonly reused: number;
  readonly bytesUploaded: number;
}

export async function writeBackup(crypto: CryptoProvider, blobs: BackupBlobs, keys: BackupKeys, input: WriteBackupInput): Promise<WriteBackupResult> {
  const chunking = input.chunking ?? DEFAULT_CHUNKING;
  const sealed = new Map<string, Uint8Array>();
  const units: ManifestUnit[] = [];
  for (const u of input.units) {
    const chunks: string[] = [];
    let at = 0;
    for (const end of chunkBoundaries(u, keys.gear, chunking)) {
      const s = sealChunk(crypto, keys, u.subarray(at, end));
      at = end;
      const id = await blobs.idOf(s);
      sealed.set(id, s);
      chunks.push(id);
    }
    units.push({ size: u.length, chunks });
  }
  const held = await blobs.hasMany([...sealed.keys()]);
  const missing = [...sealed].filter(([id]) => !held.has(id));
  let bytesUploaded = 0;
  for (const [i, [id, bytes]] of missing.entries()) {
    const stored = await blobs.put('backup-chunk', bytes);
    if (stored !== id) throw new Error(`the relay stored a chunk under ${stored}, not its address ${id}`);
    bytesUploaded += bytes.length;
    input.onProgress?.(i + 1, missing.length);
  }
  const manifest: BackupManifest = {
    createdAt: input.now,
    device: input.device,
    deviceName: input.deviceName,
    checksum: unitsChecksum(crypto, input.units),
    size: input.units.reduce((s, u) => s + u.length, 0),
    units,
  };
  const sealedManifest = sealManifest(crypto, keys, input.workspace, manifest);
  const manifestId = await blobs.put('backup-manifest', sealedManifest);
  return { manifestId, manifest, uploaded: missing.length, reused: sealed.size - missing.length, bytesUploaded: bytesUploaded + sealedManifest.length };
}
