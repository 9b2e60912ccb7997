/**
 * XChaCha20-Poly1305-IETF through node:crypto (OpenSSL), byte-identical to
 * libsodium's `crypto_aead_xchacha20poly1305_ietf_*`: the XChaCha construction
 * is HChaCha20(key, nonce[0..16]) as the key of the IETF ChaCha20-Poly1305
 * with the 12-byte nonce `0x00000000 || nonce[16..24]`. HChaCha20 and
 * node:crypto are passed in, never imported here, so browser bundles that
 * reach this file pull in nothing from Node.
 *
 * Why a threshold ({@link NODE_XCHACHA_MIN_BYTES}): OpenSSL runs about three
 * to five times as fast as libsodium's WASM build on large inputs, but each
 * call builds a cipher object (about 6 µs with the HChaCha20 call, against
 * about 3 µs for a whole 512-byte libsodium seal). Medians of nine alternated
 * runs on a shared 2-core machine, µs per call, libsodium / node:crypto:
 *
 *   bytes   seal          open
 *   2048    7.0 / 8.9     7.0 / 11.8   (node slower)
 *   3072    10.6 / 10.6   11.1 / 8.6   (even, within noise)
 *   4096    16.2 / 11.8   15.4 / 9.4   (node 1.4-1.6x faster)
 *   16384   56 / 20       60 / 16
 *   65536   244 / 51      244 / 39
 *
 * The crossover lies between 2 and 3 KiB; 4 KiB is the first size where
 * node:crypto wins in every run, so a busy machine does not make the switch a loss.
 */
import type * as NodeCrypto from 'node:crypto';
import { Sizes } from './provider.ts';
import { checkSealInto } from './seal-into.ts';

/** The parts of node:crypto this module uses. */
export type NodeCipherModule = Pick<typeof NodeCrypto, 'createCipheriv' | 'createDecipheriv'>;

/** HChaCha20 of a 16-byte input under a 32-byte key (libsodium `crypto_core_hchacha20`). */
export type HChaCha20 = (input: Uint8Array, key: Uint8Array) => Uint8Array;

export interface NodeXChaCha {
  /** Throws on a key of other than 32 bytes or a nonce of other than 24, as libsodium does. */
  seal(plaintext: Uint8Array, associatedData: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array;
  /** The seal of the parts' concatenation written into `out` from `at`; throws as `seal` does, or when `out` is too short. */
  sealInto(parts: readonly Uint8Array[], associatedData: Uint8Array, nonce: Uint8Array, key: Uint8Array, out: Uint8Array, at: number): void;
  /** Null when anything fails to authenticate or has the wrong size; never throws. */
  open(ciphertext: Uint8Array, associatedData: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | null;
}

const CIPHER = 'chacha20-poly1305';

/** Payloads (plaintext to seal, ciphertext to open) of at least this many bytes go to node:crypto; smaller ones stay with libsodium. */
export const NODE_XCHACHA_MIN_BYTES = 4096;

/** A plain Uint8Array over a Buffer's bytes, copied unless the Buffer owns its whole ArrayBuffer (pooled Buffers share theirs). */
function ownBytes(buf: Buffer): Uint8Array {
  if (buf.byteOffset === 0 && buf.buffer.byteLength === buf.length) return new Uint8Array(buf.buffer, 0, buf.length);
  return Uint8Array.prototype.slice.call(buf);
}

export function createNodeXChaCha(nodeCrypto: NodeCipherModule, hchacha20: HChaCha20): NodeXChaCha {
  /** The IETF key and nonce for an XChaCha nonce and key, or null when their sizes are wrong. */
  const ietf = (nonce: Uint8Array, key: Uint8Array): { key: Uint8Array; nonce: Uint8Array } | null => {
    if (nonce.length !== Sizes.aeadNonce || key.length !== Sizes.aeadKey) return null;
    const ietfNonce = new Uint8Array(12);
    ietfNonce.set(nonce.subarray(16, 24), 4);
    return { key: hchacha20(nonce.subarray(0, 16), key), nonce: ietfNonce };
  };

  const sealInto: NodeXChaCha['sealInto'] = (parts, ad, nonce, key, out, at) => {
    const length = checkSealInto(parts, out, at);
    const k = ietf(nonce, key);
    if (k === null) throw new Error(nonce.length !== Sizes.aeadNonce ? 'invalid public_nonce length' : 'invalid key length');
    const cipher = nodeCrypto.createCipheriv(CIPHER, k.key, k.nonce, { authTagLength: Sizes.aeadTag });
    k.key.fill(0); // OpenSSL holds its own copy of the subkey now.
    cipher.setAAD(ad, { plaintextLength: length });
    let o = at;
    for (const p of parts) {
      const body = cipher.update(p);
      out.set(body, o);
      o += body.length;
    }
    const tail = cipher.final();
    out.set(tail, o);
    o += tail.length;
    // A stream cipher gives back exactly as many bytes as it took; anything else is a broken build.
    if (o !== at + length) throw new Error('the cipher returned an unexpected number of bytes');
    out.set(cipher.getAuthTag(), o);
  };

  return {
    seal(plaintext, ad, nonce, key) {
      const out = new Uint8Array(plaintext.length + Sizes.aeadTag);
      sealInto([plaintext], ad, nonce, key, out, 0);
      return out;
    },

    sealInto,

    open(ciphertext, ad, nonce, key) {
      if (ciphertext.length < Sizes.aeadTag) return null;
      const k = ietf(nonce, key);
      if (k === null) return null;
      const split = ciphertext.length - Sizes.aeadTag;
      try {
        const decipher = nodeCrypto.createDecipheriv(CIPHER, k.key, k.nonce, { authTagLength: Sizes.aeadTag });
        k.key.fill(0);
        decipher.setAAD(ad, { plaintextLength: split });
        decipher.setAuthTag(ciphertext.subarray(split));
        const body = decipher.update(ciphertext.subarray(0, split));
        // final() checks the tag and throws when it fails: only then is `body` authentic.
        const tail = decipher.final();
        return tail.length === 0 ? ownBytes(body) : ownBytes(Buffer.concat([body, tail]));
      } catch {
        return null;
      }
    },
  };
}
