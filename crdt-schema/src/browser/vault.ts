/**
 * The passphrase lock. When it is on, the home record is sealed under a
 * random 32-byte vault key (XChaCha20-Poly1305), and the vault key is stored
 * only sealed under the passphrase (Argon2id at the shared default cost, see
 * crypto/passphrase.ts). Unlocking costs one Argon2id run; saving keys or
 * config afterwards reuses the vault key held in memory.
 * Layout of a vault-sealed value: 24-byte nonce | ciphertext and tag.
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import { openWithPassphraseAsync, sealWithPassphraseAsync, type AsyncPwhash, type PassphraseOptions } from '../crypto/passphrase.ts';
import { secret, type Secret } from '../crypto/secret.ts';
import { TendrilError } from '../errors.ts';

const NONCE_BYTES = 24;
const AD = new TextEncoder().encode('tendril/browser-vault/v1');

export function newVaultKey(crypto: CryptoProvider): Secret<Uint8Array> {
  return secret(crypto.randomBytes(32));
}

/** Argon2id runs through `options.pwhash` when given (a Web Worker in the app), so the page never freezes. */
export function sealVaultKey(crypto: CryptoProvider, passphrase: string, key: Secret<Uint8Array>, options?: PassphraseOptions & { pwhash?: AsyncPwhash }): Promise<Uint8Array> {
  return sealWithPassphraseAsync(crypto, passphrase, key.expose(), options);
}

/** `E_PASSPHRASE` for a wrong passphrase. */
export async function openVaultKey(crypto: CryptoProvider, passphrase: string, sealed: Uint8Array, options?: PassphraseOptions & { pwhash?: AsyncPwhash }): Promise<Secret<Uint8Array>> {
  const key = await openWithPassphraseAsync(crypto, passphrase, sealed, options);
  if (key.length !== 32) throw new TendrilError('E_BAD_INPUT', 'the vault key has the wrong length');
  return secret(key);
}

export function vaultSeal(crypto: CryptoProvider, key: Secret<Uint8Array>, plaintext: Uint8Array): Uint8Array {
  const nonce = crypto.randomBytes(NONCE_BYTES);
  const ct = crypto.aeadSeal(plaintext, AD, nonce, key.expose());
  const out = new Uint8Array(NONCE_BYTES + ct.length);
  out.set(nonce);
  out.set(ct, NONCE_BYTES);
  return out;
}

export function vaultOpen(crypto: CryptoProvider, key: Secret<Uint8Array>, sealed: Uint8Array): Uint8Array {
  const pt = sealed.length > NONCE_BYTES ? crypto.aeadOpen(sealed.subarray(NONCE_BYTES), AD, sealed.subarray(0, NONCE_BYTES), key.expose()) : null;
  if (pt === null) throw new TendrilError('E_PASSPHRASE', 'the device record does not open with this vault key');
  return pt;
}
