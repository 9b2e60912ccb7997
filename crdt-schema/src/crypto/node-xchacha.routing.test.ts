import * as nodeCrypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPrng, testSeed } from '../testkit/prng.ts';
import { loadCrypto, type NodeCryptoParts } from './load.ts';
import { NODE_XCHACHA_MIN_BYTES } from './node-xchacha.ts';

const prng = createPrng(testSeed('crdt-schema/src/crypto/node-xchacha.routing.test.ts'));
const T = NODE_XCHACHA_MIN_BYTES;

/** node:crypto with a count of the AEAD cipher objects made through it. */
function countingNodeCrypto(): { module: NodeCryptoParts; ciphers: { seal: number; open: number } } {
  const ciphers = { seal: 0, open: 0 };
  const module: NodeCryptoParts = {
    createPublicKey: nodeCrypto.createPublicKey,
    verify: nodeCrypto.verify,
    createCipheriv: ((...args: Parameters<typeof nodeCrypto.createCipheriv>) => {
      ciphers.seal++;
      return nodeCrypto.createCipheriv(...args);
    }) as typeof nodeCrypto.createCipheriv,
    createDecipheriv: ((...args: Parameters<typeof nodeCrypto.createDecipheriv>) => {
      ciphers.open++;
      return nodeCrypto.createDecipheriv(...args);
    }) as typeof nodeCrypto.createDecipheriv,
  };
  return { module, ciphers };
}

/** Seals and opens one payload of `size` bytes; returns how many node:crypto ciphers that made. */
function roundTrip(crypto: Awaited<ReturnType<typeof loadCrypto>>, ciphers: { seal: number; open: number }, size: number) {
  const before = { ...ciphers };
  const plaintext = prng.bytes(size);
  const ad = prng.bytes(40);
  const nonce = prng.bytes(24);
  const key = prng.bytes(32);
  const sealed = crypto.aeadSeal(plaintext, ad, nonce, key);
  const opened = crypto.aeadOpen(sealed, ad, nonce, key);
  expect(opened !== null && Buffer.compare(opened, plaintext) === 0).toBe(true);
  return { seal: ciphers.seal - before.seal, open: ciphers.open - before.open };
}

describe('loadCrypto routes XChaCha20-Poly1305 by payload size', () => {
  it('in Node, seals and opens payloads from the threshold up through node:crypto and smaller ones through libsodium', async () => {
    const { module, ciphers } = countingNodeCrypto();
    const crypto = await loadCrypto({ nodeCrypto: module });
    expect(crypto.name).toContain('+node-xchacha');
    expect(roundTrip(crypto, ciphers, 100)).toEqual({ seal: 0, open: 0 });
    // T - 16 bytes seal below the threshold to a ciphertext of exactly T bytes.
    expect(roundTrip(crypto, ciphers, T - 16)).toEqual({ seal: 0, open: 1 });
    expect(roundTrip(crypto, ciphers, T)).toEqual({ seal: 1, open: 1 });
    expect(roundTrip(crypto, ciphers, 1024 * 1024)).toEqual({ seal: 1, open: 1 });
  });

  it('keeps the native path whichever Ed25519 verifier is chosen', async () => {
    for (const ed25519 of ['sodium', 'node', 'auto'] as const) {
      const { module, ciphers } = countingNodeCrypto();
      const crypto = await loadCrypto({ ed25519, nodeCrypto: module });
      expect(roundTrip(crypto, ciphers, 65536)).toEqual({ seal: 1, open: 1 });
    }
  });

  it('uses libsodium only when asked to', async () => {
    const { module, ciphers } = countingNodeCrypto();
    const crypto = await loadCrypto({ aead: 'sodium', nodeCrypto: module });
    expect(crypto.name).not.toContain('node-xchacha');
    expect(roundTrip(crypto, ciphers, 65536)).toEqual({ seal: 0, open: 0 });
  });

  it('outside Node (no node:crypto), libsodium serves every size', async () => {
    const crypto = await loadCrypto({ nodeCrypto: null });
    expect(crypto.name).not.toContain('node');
    const { ciphers } = countingNodeCrypto();
    expect(roundTrip(crypto, ciphers, 65536)).toEqual({ seal: 0, open: 0 });
  });
});
