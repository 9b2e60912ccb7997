import { describe, expect, it } from 'vitest';
import { isTendrilError, type ErrorCode } from '../errors.ts';
import { newDocId } from '../ids.ts';
import { createDocKeys, currentDocKey, docKeyFor } from '../crypto/doc-keys.ts';
import { generateDeviceIdentity } from '../crypto/keys.ts';
import { loadCrypto } from '../crypto/load.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { createPrng, testSeed } from '../testkit/prng.ts';
import { createCounterTracker } from './counters.ts';
import { EnvelopeKind, parseEnvelope } from './header.ts';
import { openEnvelope, type OpenContext } from './open.ts';
import { sealEnvelope } from './seal.ts';

const seed = testSeed('crdt-schema/src/envelope/open.tamper.test.ts');
const providers: Record<string, CryptoProvider> = {
  libsodium: await loadCrypto({ ed25519: 'sodium' }),
  'node:crypto': await loadCrypto({ ed25519: 'node' }),
};

type Region = { name: string; from: number; to: number; codes: readonly ErrorCode[] };

/** Byte ranges of a sealed envelope and the codes a corruption inside each may produce. */
function regions(bytes: Uint8Array): Region[] {
  const p = parseEnvelope(bytes);
  const h0 = p.headerBytes.byteOffset - bytes.byteOffset;
  const docLen = p.headerBytes[2]!;
  const epochAt = h0 + 3 + docLen;
  const authorAt = h0 + p.headerBytes.length - 1 - 32;
  const nonceAt = h0 + p.headerBytes.length;
  const ctAt = p.ciphertext.byteOffset - bytes.byteOffset;
  const sigAt = bytes.length - 64;
  return [
    // A header length with its high bit set swallows the version byte: the kind byte (0) then reads as the version.
    { name: 'header length', from: 0, to: h0, codes: ['E_ENVELOPE_MALFORMED', 'E_ENVELOPE_VERSION'] },
    // Version 1 relabelled as 2 (a flip of 0x03) lacks the 16-byte prev that version 2 ends with.
    { name: 'version', from: h0, to: h0 + 1, codes: ['E_ENVELOPE_VERSION', 'E_ENVELOPE_MALFORMED'] },
    { name: 'kind', from: h0 + 1, to: h0 + 2, codes: ['E_ENVELOPE_MALFORMED', 'E_BAD_SIGNATURE'] },
    { name: 'doc id length', from: h0 + 2, to: h0 + 3, codes: ['E_ENVELOPE_MALFORMED'] },
    { name: 'doc id', from: h0 + 3, to: epochAt, codes: ['E_WRONG_DOC', 'E_ENVELOPE_MALFORMED'] },
    { name: 'key epoch', from: epochAt, to: authorAt, codes: ['E_BAD_SIGNATURE', 'E_ENVELOPE_MALFORMED'] },
    { name: 'author', from: authorAt, to: authorAt + 32, codes: ['E_BAD_SIGNATURE'] },
    { name: 'counter', from: authorAt + 32, to: nonceAt, codes: ['E_BAD_SIGNATURE', 'E_ENVELOPE_MALFORMED'] },
    { name: 'nonce', from: nonceAt, to: nonceAt + 24, codes: ['E_BAD_SIGNATURE'] },
    { name: 'ciphertext length', from: nonceAt + 24, to: ctAt, codes: ['E_ENVELOPE_MALFORMED'] },
    { name: 'ciphertext', from: ctAt, to: sigAt, codes: ['E_BAD_SIGNATURE'] },
    { name: 'signature', from: sigAt, to: bytes.length, codes: ['E_BAD_SIGNATURE'] },
  ];
}

describe.each(Object.entries(providers))('flipping any byte of a sealed envelope (%s)', (_name, crypto) => {
  const prng = createPrng(seed);
  const author = generateDeviceIdentity(crypto);
  const doc = newDocId();
  const keys = createDocKeys(crypto, doc);
  const { epoch, key } = currentDocKey(keys);

  const ctx = (): OpenContext => ({
    doc,
    keyFor: (e) => docKeyFor(keys, e),
    isAllowedAuthor: (a) => a === author.deviceId,
    counters: createCounterTracker(),
  });

  for (const kind of [EnvelopeKind.Update, EnvelopeKind.Snapshot]) {
    it(`yields a specific error code at every position, never a payload (kind ${kind})`, () => {
      const plaintext = prng.bytes(prng.int(1, 200));
      const envelope = sealEnvelope(crypto, { kind, doc, epoch, key, author, counter: 1, plaintext });
      expect(openEnvelope(crypto, envelope, ctx()).plaintext).toEqual(plaintext);

      const seen = new Map<string, Set<ErrorCode>>();
      const layout = regions(envelope);
      expect(layout.at(-1)!.to).toBe(envelope.length);
      for (const region of layout) {
        for (let i = region.from; i < region.to; i++) {
          for (const pattern of [0x01, 0x02, 0x80, 0xff, prng.int(1, 255)]) {
            const bad = envelope.slice();
            bad[i]! ^= pattern;
            let code: ErrorCode | 'opened';
            try {
              openEnvelope(crypto, bad, ctx());
              code = 'opened';
            } catch (e) {
              if (!isTendrilError(e)) throw e;
              code = e.code;
            }
            if (!region.codes.includes(code as ErrorCode)) {
              throw new Error(`byte ${i} (${region.name}) ^ 0x${pattern.toString(16)} gave ${code}, expected one of ${region.codes.join(', ')}`);
            }
            if (!seen.has(region.name)) seen.set(region.name, new Set());
            seen.get(region.name)!.add(code as ErrorCode);
          }
        }
      }
      // Each region's first listed code actually occurred, so the map above is not vacuous.
      for (const region of layout) expect(seen.get(region.name), region.name).toContain(region.codes[0]);
    });
  }
});
