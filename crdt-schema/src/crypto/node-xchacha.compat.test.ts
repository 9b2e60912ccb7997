import * as nodeCrypto from 'node:crypto';
import sodium from 'libsodium-wrappers-sumo';
import { describe, expect, it } from 'vitest';
import { createPrng, testSeed } from '../testkit/prng.ts';
import { loadCrypto } from './load.ts';
import { createNodeXChaCha, NODE_XCHACHA_MIN_BYTES } from './node-xchacha.ts';
import type { CryptoProvider } from './provider.ts';
import { createSodiumCrypto } from './sodium.ts';

const prng = createPrng(testSeed('crdt-schema/src/crypto/node-xchacha.compat.test.ts'));
await sodium.ready;
const lib = createSodiumCrypto(sodium);
const hchacha20 = (input: Uint8Array, key: Uint8Array): Uint8Array =>
  (sodium as unknown as { crypto_core_hchacha20(i: Uint8Array, k: Uint8Array, c: null): Uint8Array }).crypto_core_hchacha20(input, key, null);
const node = createNodeXChaCha(nodeCrypto, hchacha20);
/** The provider Node gets by default: libsodium below the threshold, node:crypto from it up. */
const routed = await loadCrypto({ ed25519: 'sodium' });

type Aead = Pick<CryptoProvider, 'aeadSeal' | 'aeadOpen'>;
const nodeAead: Aead = { aeadSeal: node.seal, aeadOpen: node.open };
const T = NODE_XCHACHA_MIN_BYTES;
const SIZES = [0, 1, 100, T - 17, T - 16, T - 1, T, T + 1, 65536, 300 * 1024, 1024 * 1024];
const ADS = [new Uint8Array(0), prng.bytes(61)];

/** Byte equality without a per-element deep compare, which takes seconds on a MiB. */
const same = (a: Uint8Array | null, b: Uint8Array): boolean => a !== null && Buffer.compare(a, b) === 0;

const flip = (bytes: Uint8Array, at: number): Uint8Array => {
  const out = bytes.slice();
  out[at]! ^= 0x01;
  return out;
};

describe('XChaCha20-Poly1305 through node:crypto', () => {
  it('seals to the same bytes as libsodium and each opens what the other sealed, around the threshold and up to 1 MiB', () => {
    for (const size of SIZES) {
      for (const ad of ADS) {
        const plaintext = prng.bytes(size);
        const nonce = prng.bytes(24);
        const key = prng.bytes(32);
        const bySodium = lib.aeadSeal(plaintext, ad, nonce, key);
        for (const impl of [nodeAead, routed]) {
          const sealed = impl.aeadSeal(plaintext, ad, nonce, key);
          expect(same(sealed, bySodium), `seal of ${size} bytes, AD ${ad.length}`).toBe(true);
          expect(Object.getPrototypeOf(sealed)).toBe(Uint8Array.prototype);
          const opened = impl.aeadOpen(bySodium, ad, nonce, key);
          expect(same(opened, plaintext), `open of ${size} bytes, AD ${ad.length}`).toBe(true);
          expect(Object.getPrototypeOf(opened)).toBe(Uint8Array.prototype);
          expect(same(lib.aeadOpen(sealed, ad, nonce, key), plaintext)).toBe(true);
        }
      }
    }
  });

  it('refuses with null, never a throw or unauthenticated bytes, whatever was altered', () => {
    for (const size of [0, T - 1, T, 65536]) {
      for (const ad of ADS) {
        const plaintext = prng.bytes(size);
        const nonce = prng.bytes(24);
        const key = prng.bytes(32);
        const sealed = lib.aeadSeal(plaintext, ad, nonce, key);
        const cases: (readonly [string, Uint8Array, Uint8Array, Uint8Array, Uint8Array])[] = [
          ...(size > 0 ? [['ciphertext bit', flip(sealed, prng.int(0, size - 1)), ad, nonce, key] as const] : []),
          ['first tag byte', flip(sealed, size), ad, nonce, key],
          ['last tag byte', flip(sealed, size + 15), ad, nonce, key],
          ['one byte more', new Uint8Array([...sealed, 0]), ad, nonce, key],
          ['last byte cut', sealed.subarray(0, sealed.length - 1), ad, nonce, key],
          ['other AD', sealed, ad.length > 0 ? flip(ad, prng.int(0, ad.length - 1)) : Uint8Array.of(0), nonce, key],
          ['AD dropped or added', sealed, ad.length > 0 ? new Uint8Array(0) : prng.bytes(16), nonce, key],
          ['HChaCha20 part of the nonce', sealed, ad, flip(nonce, prng.int(0, 15)), key],
          ['IETF part of the nonce', sealed, ad, flip(nonce, prng.int(16, 23)), key],
          ['wrong key', sealed, ad, nonce, prng.bytes(32)],
          ['23-byte nonce', sealed, ad, nonce.subarray(0, 23), key],
          ['25-byte nonce', sealed, ad, new Uint8Array([...nonce, 0]), key],
          ['12-byte nonce', sealed, ad, nonce.subarray(0, 12), key],
          ['31-byte key', sealed, ad, nonce, key.subarray(0, 31)],
        ];
        for (const impl of [lib, nodeAead, routed]) {
          expect(same(impl.aeadOpen(sealed, ad, nonce, key), plaintext)).toBe(true);
          for (const [what, ct, a, n, k] of cases) {
            expect(impl.aeadOpen(ct, a, n, k), `${what}, ${size} bytes, AD ${ad.length}`).toBeNull();
          }
        }
      }
    }
  });

  it('refuses input shorter than the tag with null', () => {
    const nonce = prng.bytes(24);
    const key = prng.bytes(32);
    for (const length of [0, 1, 15]) {
      for (const impl of [lib, nodeAead, routed]) expect(impl.aeadOpen(prng.bytes(length), new Uint8Array(0), nonce, key)).toBeNull();
    }
  });

  it('throws on a seal with a wrong nonce or key size, as libsodium does', () => {
    const plaintext = prng.bytes(T);
    for (const [nonce, key] of [[prng.bytes(23), prng.bytes(32)], [prng.bytes(25), prng.bytes(32)], [prng.bytes(24), prng.bytes(31)]] as const) {
      for (const impl of [lib, nodeAead, routed]) expect(() => impl.aeadSeal(plaintext, new Uint8Array(0), nonce, key)).toThrow(/invalid (public_nonce|key) length/);
    }
  });
});
