/**
 * chainVerdicts on runs of sealed envelopes: a version 2 chain costs one
 * signature check, version 1 envelopes and zero links each their own, and
 * the `prev` bytes of a version 2 header are covered by the signature.
 */
import { describe, expect, it } from 'vitest';
import { isTendrilError } from '../errors.ts';
import { newDocId } from '../ids.ts';
import { createDocKeys, currentDocKey, docKeyFor } from '../crypto/doc-keys.ts';
import { generateDeviceIdentity } from '../crypto/keys.ts';
import { loadCrypto } from '../crypto/load.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { chainHash, chainVerdicts, ZERO_PREV } from './chain.ts';
import { createCounterTracker } from './counters.ts';
import { EnvelopeKind, parseEnvelope, PREV_BYTES } from './header.ts';
import { openEnvelope, openWithVerdict } from './open.ts';
import { sealEnvelope } from './seal.ts';

const base = await loadCrypto({ ed25519: 'sodium' });
let verifies = 0;
const crypto = Object.create(base) as CryptoProvider;
crypto.verify = (s, m, k) => {
  verifies++;
  return base.verify(s, m, k);
};

const doc = newDocId();
const keys = createDocKeys(crypto, doc);
const { epoch, key } = currentDocKey(keys);
const author = generateDeviceIdentity(crypto);

/** `n` update envelopes of one author; `link` decides each `prev` from the previous envelope. */
function run(n: number, link: (previous: Uint8Array | null) => Uint8Array | undefined): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let counter = 1; counter <= n; counter++) {
    const prev = link(out.at(-1) ?? null);
    out.push(sealEnvelope(crypto, { kind: EnvelopeKind.Update, doc, epoch, key, author, counter, plaintext: Uint8Array.of(counter), ...(prev ? { prev } : {}) }));
  }
  return out;
}

const counted = (envelopes: Uint8Array[]): { verdicts: boolean[]; verifies: number } => {
  verifies = 0;
  const verdicts = chainVerdicts(crypto, doc, envelopes);
  return { verdicts, verifies };
};

describe('chainVerdicts', () => {
  it('accepts an intact version 2 chain with one signature check', () => {
    const envelopes = run(6, (previous) => (previous ? chainHash(crypto, previous) : ZERO_PREV));
    expect(counted(envelopes)).toEqual({ verdicts: [true, true, true, true, true, true], verifies: 1 });
  });

  it('checks version 1 envelopes and zero links each on their own signature', () => {
    expect(counted(run(4, () => undefined))).toEqual({ verdicts: [true, true, true, true], verifies: 4 });
    expect(counted(run(4, () => ZERO_PREV))).toEqual({ verdicts: [true, true, true, true], verifies: 4 });
  });

  it('refuses a link whose bytes changed and whose own signature fails; the envelope before it is checked on its own', () => {
    const envelopes = run(5, (previous) => (previous ? chainHash(crypto, previous) : ZERO_PREV));
    const bad = envelopes[2]!.slice();
    bad[bad.length - 70]! ^= 0x10;
    envelopes[2] = bad;
    expect(counted(envelopes)).toEqual({ verdicts: [true, true, false, true, true], verifies: 3 });
  });

  it('covers the prev bytes of a version 2 header with the signature', () => {
    const [envelope] = run(1, () => new Uint8Array(PREV_BYTES).fill(3));
    const p = parseEnvelope(envelope!);
    expect(p.header.prev).toEqual(new Uint8Array(PREV_BYTES).fill(3));
    const prevAt = p.headerBytes.byteOffset - envelope!.byteOffset + p.headerBytes.length - PREV_BYTES;
    const ctx = () => ({ doc, keyFor: (e: typeof epoch) => docKeyFor(keys, e), isAllowedAuthor: () => true, counters: createCounterTracker() });
    expect(openEnvelope(crypto, envelope!, ctx()).plaintext).toEqual(Uint8Array.of(1));
    for (let i = prevAt; i < prevAt + PREV_BYTES; i++) {
      const bad = envelope!.slice();
      bad[i]! ^= 0x01;
      expect(() => openEnvelope(crypto, bad, ctx())).toThrow(expect.objectContaining({ code: 'E_BAD_SIGNATURE' }));
    }
    // A verdict stands in for the signature only: a false one refuses, a true one still decrypts for real.
    expect(() => openWithVerdict(crypto, envelope!, false, ctx())).toThrow(expect.objectContaining({ code: 'E_BAD_SIGNATURE' }));
    const garbled = envelope!.slice();
    garbled[garbled.length - 70]! ^= 0x01;
    try {
      openWithVerdict(crypto, garbled, true, ctx());
      expect.unreachable();
    } catch (e) {
      expect(isTendrilError(e, 'E_DECRYPT_FAILED')).toBe(true);
    }
  });
});
