/**
 * The libsodium implementation of {@link CryptoProvider}. Pass in the ready
 * `libsodium-wrappers` module (`await sodium.ready` first). Nonces and other
 * random bytes come from crypto.getRandomValues, which costs a few
 * microseconds against about 155 for libsodium's WASM randombytes_buf.
 * `pwhash` needs the sumo build; with the standard one it throws `E_BAD_INPUT`.
 */
import type Sodium from 'libsodium-wrappers-sumo';
import { TendrilError } from '../errors.ts';
import { randomBytes } from '../ids.ts';
import { concatBytes, utf8 } from './bytes.ts';
import { checkSealInto } from './seal-into.ts';
import type { CryptoProvider, KeyPair, PwhashParams, VerifyItem } from './provider.ts';

/** The shape of the `libsodium-wrappers` default export. */
export type SodiumModule = typeof Sodium;

function attempt<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch {
    return null;
  }
}

/**
 * True when the module has Argon2id. The standard `libsodium-wrappers` build
 * leaves `crypto_pwhash` out; `libsodium-wrappers-sumo` has the same API plus it.
 */
export function hasArgon2id(sodium: SodiumModule): boolean {
  return typeof (sodium as Partial<SodiumModule>).crypto_pwhash === 'function';
}

/** A provider backed entirely by libsodium (standard or sumo build). `verifyMany` checks one signature after another. */
export function createSodiumCrypto(sodium: SodiumModule): CryptoProvider {
  const verify = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean =>
    signature.length === 64 &&
    publicKey.length === 32 &&
    attempt(() => sodium.crypto_sign_verify_detached(signature, message, publicKey)) === true;

  return {
    name: 'libsodium',
    randomBytes,

    signKeyPair(seed?: Uint8Array): KeyPair {
      const kp = sodium.crypto_sign_seed_keypair(seed ?? randomBytes(32));
      return { publicKey: kp.publicKey, secretKey: kp.privateKey };
    },
    sign: (message, secretKey) => sodium.crypto_sign_detached(message, secretKey),
    verify,
    verifyMany: async (items: readonly VerifyItem[]) =>
      items.map((it) => verify(it.signature, it.message, it.publicKey)),

    boxKeyPair(seed?: Uint8Array): KeyPair {
      const kp = sodium.crypto_box_seed_keypair(seed ?? randomBytes(32));
      return { publicKey: kp.publicKey, secretKey: kp.privateKey };
    },
    boxPublicKey: (secretKey) => sodium.crypto_scalarmult_base(secretKey),
    boxSeal: (message, recipientPublicKey) => sodium.crypto_box_seal(message, recipientPublicKey),
    boxSealOpen: (ciphertext, recipient) =>
      attempt(() => sodium.crypto_box_seal_open(ciphertext, recipient.publicKey, recipient.secretKey)),

    aeadSeal: (plaintext, ad, nonce, key) =>
      sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, null, nonce, key),
    aeadSealInto(parts, ad, nonce, key, out, at) {
      checkSealInto(parts, out, at);
      const plaintext = parts.length === 1 ? parts[0]! : concatBytes(...parts);
      out.set(sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, null, nonce, key), at);
    },
    aeadOpen: (ciphertext, ad, nonce, key) =>
      attempt(() => sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, ciphertext, ad, nonce, key)),

    hash: (data, length = 32, key) => sodium.crypto_generichash(length, data, key ?? null),
    kdf: (key, context, length = 32) => sodium.crypto_generichash(length, utf8(context), key),
    pwhash(passphrase: Uint8Array, salt: Uint8Array, params: PwhashParams, length: number): Uint8Array {
      if (!hasArgon2id(sodium)) {
        throw new TendrilError('E_BAD_INPUT', 'Argon2id is missing from this libsodium build: load the sumo build (libsodium-wrappers-sumo)');
      }
      return sodium.crypto_pwhash(length, passphrase, salt, params.opsLimit, params.memLimit, sodium.crypto_pwhash_ALG_ARGON2ID13);
    },
  };
}
