/**
 * Sealing one backup chunk, deterministically: the nonce is a BLAKE2b hash
 * of the plaintext keyed with the backup's nonce key, so the same plaintext
 * under the same backup key always gives the same bytes and therefore the
 * same content address: an unchanged chunk is recognised at the relay and
 * never uploaded twice. What this reveals (equal chunks look equal) is in
 * docs/THREAT_MODEL.md. A nonce only repeats for a repeated plaintext,
 * which XChaCha20-Poly1305 tolerates (it then repeats the same ciphertext).
 *
 * Layout: u8 version (=1) | 24-byte nonce | XChaCha20-Poly1305 ciphertext,
 * associated data "tendril-backup-chunk/v1".
 */
import { concatBytes, bytesEqual, utf8 } from '../crypto/bytes.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { TendrilError } from '../errors.ts';
import type { BackupKeys } from './backup-key.ts';

const VERSION = 1;
const NONCE = 24;
const AD = utf8('tendril-backup-chunk/v1');

export function sealChunk(crypto: CryptoProvider, keys: BackupKeys, plaintext: Uint8Array): Uint8Array {
  const nonce = crypto.hash(plaintext, NONCE, keys.nonce.expose());
  return concatBytes(new Uint8Array([VERSION]), nonce, crypto.aeadSeal(plaintext, AD, nonce, keys.chunk.expose()));
}

/** The plaintext; `E_BACKUP_CORRUPT` when the bytes were altered, cut or sealed under another key. */
export function openChunk(crypto: CryptoProvider, keys: BackupKeys, sealed: Uint8Array): Uint8Array {
  if (sealed.length < 1 + NONCE + 16 || sealed[0] !== VERSION) throw new TendrilError('E_BACKUP_CORRUPT', 'a backup chunk is truncated or of an unknown version');
  const nonce = sealed.subarray(1, 1 + NONCE);
  const plain = crypto.aeadOpen(sealed.subarray(1 + NONCE), AD, nonce, keys.chunk.expose());
  if (plain === null) throw new TendrilError('E_BACKUP_CORRUPT', 'a backup chunk does not authenticate (altered, or sealed under another key)');
  if (!bytesEqual(crypto.hash(plain, NONCE, keys.nonce.expose()), nonce)) throw new TendrilError('E_BACKUP_CORRUPT', 'a backup chunk carries a nonce that does not belong to its contents');
  return plain;
}
