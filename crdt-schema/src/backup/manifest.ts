/**
 * A restore point's manifest: what a backup holds and where its chunks are.
 * Small, sealed under the backup's manifest key with a random nonce, and
 * bound to its workspace (the workspace id is associated data), so a
 * manifest copied from another workspace does not open here.
 *
 * Plaintext (lib0 encoding): varUint format (=1) | float createdAt ms |
 *   string device | string device name | 32-byte checksum | varUint size |
 *   varUint unit count | per unit: varUint size | varUint chunk count | per chunk: string id
 * The checksum is BLAKE2b-256 over every unit's plaintext, each
 * length-prefixed, in order; size is the sum of the units' sizes.
 *
 * Sealed: u8 version (=1) | 24-byte nonce | ciphertext; associated data
 * "tendril-backup-manifest/v1\n" + workspace id.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { concatBytes, utf8 } from '../crypto/bytes.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { TendrilError } from '../errors.ts';
import type { DeviceId, WorkspaceId } from '../ids.ts';
import type { BackupKeys } from './backup-key.ts';

const FORMAT = 1;
const SEAL_VERSION = 1;
const NONCE = 24;

export interface ManifestUnit {
  /** Plaintext bytes of the unit. */
  readonly size: number;
  /** Chunk ids, in order; their plaintexts concatenated give the unit. */
  readonly chunks: readonly string[];
}

export interface BackupManifest {
  readonly createdAt: number;
  readonly device: DeviceId;
  readonly deviceName: string;
  readonly checksum: Uint8Array;
  /** Plaintext bytes of the whole backup. */
  readonly size: number;
  readonly units: readonly ManifestUnit[];
}

function ad(workspace: WorkspaceId): Uint8Array {
  return utf8(`tendril-backup-manifest/v1\n${workspace}`);
}

/** BLAKE2b-256 over the units, each length-prefixed. */
export function unitsChecksum(crypto: CryptoProvider, units: readonly Uint8Array[]): Uint8Array {
  const enc = encoding.createEncoder();
  for (const u of units) encoding.writeVarUint8Array(enc, u);
  return crypto.hash(encoding.toUint8Array(enc), 32);
}

export function encodeManifest(m: BackupManifest): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, FORMAT);
  encoding.writeFloat64(enc, m.createdAt);
  encoding.writeVarString(enc, m.device);
  encoding.writeVarString(enc, m.deviceName);
  encoding.writeUint8Array(enc, m.checksum);
  encoding.writeVarUint(enc, m.size);
  encoding.writeVarUint(enc, m.units.length);
  for (const u of m.units) {
    encoding.writeVarUint(enc, u.size);
    encoding.writeVarUint(enc, u.chunks.length);
    for (const c of u.chunks) encoding.writeVarString(enc, c);
  }
  return encoding.toUint8Array(enc);
}

export function decodeManifest(bytes: Uint8Array): BackupManifest {
  try {
    const dec = decoding.createDecoder(bytes);
    if (decoding.readVarUint(dec) !== FORMAT) throw new Error('unknown manifest format');
    const createdAt = decoding.readFloat64(dec);
    const device = decoding.readVarString(dec) as DeviceId;
    const deviceName = decoding.readVarString(dec);
    const checksum = decoding.readUint8Array(dec, 32).slice();
    const size = decoding.readVarUint(dec);
    const n = decoding.readVarUint(dec);
    if (n > bytes.length) throw new Error('unit count past the end');
    const units: ManifestUnit[] = [];
    for (let i = 0; i < n; i++) {
      const unitSize = decoding.readVarUint(dec);
      const k = decoding.readVarUint(dec);
      if (k > bytes.length) throw new Error('chunk count past the end');
      const chunks: string[] = [];
      for (let j = 0; j < k; j++) chunks.push(decoding.readVarString(dec));
      units.push({ size: unitSize, chunks });
    }
    if (dec.pos !== bytes.length) throw new Error('trailing bytes');
    if (!Number.isFinite(createdAt) || units.reduce((s, u) => s + u.size, 0) !== size) throw new Error('sizes do not add up');
    return { createdAt, device, deviceName, checksum, size, units };
  } catch (e) {
    throw new TendrilError('E_BACKUP_CORRUPT', 'the backup manifest does not parse', { cause: e });
  }
}

export function sealManifest(crypto: CryptoProvider, keys: BackupKeys, workspace: WorkspaceId, m: BackupManifest): Uint8Array {
  const nonce = crypto.randomBytes(NONCE);
  return concatBytes(new Uint8Array([SEAL_VERSION]), nonce, crypto.aeadSeal(encodeManifest(m), ad(workspace), nonce, keys.manifest.expose()));
}

/** The manifest, or null when it does not open under these keys (another phrase, or altered). */
export function openManifest(crypto: CryptoProvider, keys: BackupKeys, workspace: WorkspaceId, sealed: Uint8Array): BackupManifest | null {
  if (sealed.length < 1 + NONCE + 16 || sealed[0] !== SEAL_VERSION) return null;
  const plain = crypto.aeadOpen(sealed.subarray(1 + NONCE), ad(workspace), sealed.subarray(1, 1 + NONCE), keys.manifest.expose());
  return plain === null ? null : decodeManifest(plain);
}
