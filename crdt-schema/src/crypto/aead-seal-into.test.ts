/**
 * aeadSealInto writes exactly aeadSeal's bytes for the parts' concatenation, in place, through
 * libsodium and through node:crypto (the routed provider picks by the parts' total size), and
 * touches nothing outside its range.
 */
import sodium from 'libsodium-wrappers-sumo';
import { describe, expect, it } from 'vitest';
import { createPrng, testSeed } from '../testkit/prng.ts';
import { loadCrypto } from './load.ts';
import { NODE_XCHACHA_MIN_BYTES } from './node-xchacha.ts';
import type { CryptoProvider } from './provider.ts';
import { createSodiumCrypto } from './sodium.ts';

const prng = createPrng(testSeed('crdt-schema/src/crypto/aead-seal-into.test.ts'));
await sodium.ready;
const providers: [string, CryptoProvider][] = [
  ['libsodium', createSodiumCrypto(sodium)],
  ['routed (node:crypto from the threshold up)', await loadCrypto({ ed25519: 'sodium' })],
];
const T = NODE_XCHACHA_MIN_BYTES;

/** `bytes` cut at random points into `n` parts, empty ones possible. */
function split(bytes: Uint8Array, n: number): Uint8Array[] {
  const cuts = Array.from({ length: n - 1 }, () => prng.int(0, bytes.length)).sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const c of [...cuts, bytes.length]) {
    parts.push(bytes.subarray(from, c));
    from = c;
  }
  return parts;
}

describe.each(providers)('aeadSealInto, %s', (_name, crypto) => {
  it('gives aeadSeal’s bytes of the joined parts at the offset, around the threshold and with small parts past it', () => {
    for (const size of [0, 1, 100, T - 17, T - 1, T, T + 1, 3 * T + 5, 65_536, 300 * 1024]) {
      for (const n of [1, 2, 5]) {
        const plaintext = prng.bytes(size);
        const ad = prng.bytes(40);
        const nonce = prng.bytes(24);
        const key = prng.bytes(32);
        const out = new Uint8Array(7 + size + 16 + 5).fill(0xa5);
        crypto.aeadSealInto(split(plaintext, n), ad, nonce, key, out, 7);
        const sealed = crypto.aeadSeal(plaintext, ad, nonce, key);
        expect(Buffer.compare(out.subarray(7, 7 + sealed.length), sealed), `${size} bytes in ${n} parts`).toBe(0);
        expect([...out.subarray(0, 7), ...out.subarray(7 + sealed.length)].every((b) => b === 0xa5)).toBe(true);
        expect(Buffer.compare(crypto.aeadOpen(out.subarray(7, 7 + sealed.length), ad, nonce, key)!, plaintext)).toBe(0);
      }
    }
  });

  it('seals parts in shared memory (a gateway output batch) like any other', () => {
    for (const size of [100, 3 * T]) {
      const shared = new Uint8Array(new SharedArrayBuffer(size));
      shared.set(prng.bytes(size));
      const [ad, nonce, key] = [prng.bytes(8), prng.bytes(24), prng.bytes(32)];
      const out = new Uint8Array(size + 16);
      crypto.aeadSealInto([prng.bytes(5).subarray(0, 0), shared], ad, nonce, key, out, 0);
      expect(Buffer.compare(out, crypto.aeadSeal(shared.slice(), ad, nonce, key))).toBe(0);
    }
  });

  it('refuses, before writing anything, an output too short, an offset that is not a count, and a part inside the output', () => {
    for (const size of [10, 2 * T]) {
      const parts = split(prng.bytes(size), 3);
      const [ad, nonce, key] = [prng.bytes(8), prng.bytes(24), prng.bytes(32)];
      for (const [out, at] of [[new Uint8Array(size + 15), 0], [new Uint8Array(size + 16), 1], [new Uint8Array(size + 16), Number.NaN], [new Uint8Array(size + 17), 0.5], [new Uint8Array(size + 16), -1]] as const) {
        const before = out.slice();
        expect(() => crypto.aeadSealInto(parts, ad, nonce, key, out, at)).toThrow(/too short/);
        expect(Buffer.compare(out, before)).toBe(0);
      }
      const out = new Uint8Array(2 * size + 16);
      out.set(parts[0]!.length > 0 ? parts[0]! : new Uint8Array(1), size);
      expect(() => crypto.aeadSealInto([out.subarray(size, 2 * size)], ad, nonce, key, out, size - 1)).toThrow(/overlaps/);
      expect(() => crypto.aeadSealInto([out.subarray(0, size)], ad, nonce, key, out, size)).not.toThrow();
      expect(() => crypto.aeadSealInto(parts, ad, prng.bytes(12), key, new Uint8Array(size + 16), 0)).toThrow();
      expect(() => crypto.aeadSealInto(parts, ad, nonce, prng.bytes(16), new Uint8Array(size + 16), 0)).toThrow();
    }
  });
});
