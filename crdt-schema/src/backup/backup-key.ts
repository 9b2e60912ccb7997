/**
 * The backup key: Argon2id (crypto/passphrase.ts, at the current default
 * cost) of the recovery phrase or a chosen passphrase, salted per workspace
 * so one guess cannot be tried against every workspace at once. The salt is
 * derived from the workspace id (which the recovery kit carries) because a
 * fresh browser restoring from the phrase has nothing else to read it from.
 *
 * From that one secret, independent subkeys (BLAKE2b kdf):
 * - `chunk`: seals chunks (XChaCha20-Poly1305);
 * - `nonce`: keys the hash that makes a chunk's nonce from its plaintext, so
 *   sealing is deterministic (same plaintext, same chunk id: uploaded once);
 * - `manifest`: seals manifests (random nonces);
 * - `gear`: the table that places chunk boundaries (chunking.ts);
 * - `reader`: a device identity of its own, enrolled at the relay as a member
 *   when the phrase is set up, so a fresh browser holding only the phrase can
 *   connect and read the backup blobs (it holds no document key: the relay
 *   lets it read blobs, and a backup opens only with the keys above).
 */
import { DEFAULT_PWHASH, derivePassphraseKey, type AsyncPwhash } from '../crypto/passphrase.ts';
import type { CryptoProvider, PwhashParams } from '../crypto/provider.ts';
import { deviceIdentityFromSeeds, type DeviceIdentity } from '../crypto/keys.ts';
import { secret, type Secret } from '../crypto/secret.ts';
import { utf8 } from '../crypto/bytes.ts';
import { gearTable } from './chunking.ts';
import { TendrilError } from '../errors.ts';
import type { WorkspaceId } from '../ids.ts';

export interface BackupKeys {
  /** The Argon2id output everything else comes from: what a device keeps to write automatic backups. */
  readonly root: Secret<Uint8Array>;
  readonly chunk: Secret<Uint8Array>;
  readonly nonce: Secret<Uint8Array>;
  readonly manifest: Secret<Uint8Array>;
  /** Where chunk boundaries fall (chunking.ts). */
  readonly gear: Uint32Array;
  /** The relay identity that reads backups on a fresh browser. */
  readonly reader: DeviceIdentity;
  /** Short public fingerprint of the key (shown next to restore points; never enough to derive the key). */
  readonly fingerprint: string;
}

/** The 16-byte Argon2id salt for a workspace's backups. */
export function backupSalt(crypto: CryptoProvider, workspace: WorkspaceId): Uint8Array {
  return crypto.hash(utf8(`tendril-backup-salt/v1\n${workspace}`), 16);
}

/** Subkeys from the 32-byte Argon2id output (kept as `root`). */
export function backupKeysFrom(crypto: CryptoProvider, root: Secret<Uint8Array>): BackupKeys {
  const r = root.expose();
  if (r.length !== 32) throw new TendrilError('E_BAD_INPUT', 'a backup key has 32 bytes');
  return {
    root,
    reader: deviceIdentityFromSeeds(crypto, crypto.kdf(r, 'tendril-backup/reader-sign'), crypto.kdf(r, 'tendril-backup/reader-box')),
    chunk: secret(crypto.kdf(r, 'tendril-backup/chunk')),
    nonce: secret(crypto.kdf(r, 'tendril-backup/nonce')),
    manifest: secret(crypto.kdf(r, 'tendril-backup/manifest')),
    gear: gearTable(crypto, root),
    fingerprint: [...crypto.kdf(r, 'tendril-backup/fingerprint', 16).subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(''),
  };
}

export interface DeriveOptions {
  /** Argon2id off the calling thread (the app's worker); in place without it. */
  readonly pwhash?: AsyncPwhash;
  /** Tests pass a small cost; production keeps the default. */
  readonly params?: PwhashParams;
}

/** The backup keys for a phrase (already normalized by the caller) or passphrase and a workspace. */
export async function deriveBackupKeys(crypto: CryptoProvider, secretText: string, workspace: WorkspaceId, o: DeriveOptions = {}): Promise<BackupKeys> {
  if (secretText.length === 0) throw new TendrilError('E_BAD_INPUT', 'the recovery phrase is empty');
  const salt = backupSalt(crypto, workspace);
  const params = o.params ?? DEFAULT_PWHASH;
  if (!o.pwhash) return backupKeysFrom(crypto, derivePassphraseKey(crypto, secretText, salt, params));
  const out = await o.pwhash(utf8(secretText.normalize('NFC')), salt, params, 32);
  if (out.length !== 32) throw new TendrilError('E_BAD_INPUT', 'the Argon2id worker returned a key of the wrong length');
  return backupKeysFrom(crypto, secret(out));
}
