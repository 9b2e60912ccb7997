import { describe, expect, it } from 'vitest';
import { isTendrilError } from '../errors.ts';
import { newDocId } from '../ids.ts';
import { createDocKeys, currentDocKey, docKeyFor } from '../crypto/doc-keys.ts';
import { generateDeviceIdentity, type DeviceIdentity } from '../crypto/keys.ts';
import { loadCrypto } from '../crypto/load.ts';
import type { CryptoProvider, VerifyItem } from '../crypto/provider.ts';
import { secret } from '../crypto/secret.ts';
import { createCounterTracker, type CounterTracker } from './counters.ts';
import { EnvelopeKind } from './header.ts';
import { openEnvelope } from './open.ts';
import { localVerifiedTag, openMany, type OpenManyContext, type OpenOutcome } from './open-many.ts';
import { sealEnvelope } from './seal.ts';

const base = await loadCrypto();
const alice = generateDeviceIdentity(base);
const bob = generateDeviceIdentity(base);
const mallory = generateDeviceIdentity(base);
const doc = newDocId();
const keys = createDocKeys(base, doc);
const { epoch, key } = currentDocKey(keys);

const seal = (author: DeviceIdentity, counter: number, kind: EnvelopeKind = EnvelopeKind.Update): Uint8Array =>
  sealEnvelope(base, { kind, doc, epoch, key, author, counter, plaintext: new TextEncoder().encode(`${author.deviceId}:${counter}`) });

const context = (counters: CounterTracker = createCounterTracker()): OpenManyContext => ({
  doc,
  keyFor: (e) => docKeyFor(keys, e),
  isAllowedAuthor: (a) => a === alice.deviceId || a === bob.deviceId,
  counters,
});

/** A provider that counts how many signatures reach verifyMany. */
function counting(crypto: CryptoProvider): CryptoProvider & { verified: number } {
  const wrapped = { ...crypto, verified: 0 };
  wrapped.verifyMany = (items: readonly VerifyItem[]) => {
    wrapped.verified += items.length;
    return crypto.verifyMany(items);
  };
  return wrapped;
}

const summary = (outcomes: OpenOutcome[]): string[] => outcomes.map((o) => (o.ok ? `ok ${o.envelope.header.counter}` : o.error.code));

describe('openMany', () => {
  it('opens a batch with in-batch counter sequences and gives each bad envelope its single-open code', async () => {
    const tampered = seal(alice, 4);
    tampered[tampered.length - 3]! ^= 0x10;
    const batch = [seal(alice, 1), seal(alice, 2), seal(bob, 1), seal(alice, 3), tampered, seal(alice, 2), seal(mallory, 1), seal(bob, 3), new Uint8Array([5, 1, 0])];
    const counters = createCounterTracker();
    const outcomes = await openMany(base, batch, context(counters));
    expect(summary(outcomes)).toEqual(['ok 1', 'ok 2', 'ok 1', 'ok 3', 'E_BAD_SIGNATURE', 'E_REPLAY', 'E_UNKNOWN_AUTHOR', 'E_COUNTER_GAP', 'E_ENVELOPE_MALFORMED']);
    // The real tracker is untouched until the caller commits what it applied.
    expect(counters.lastUpdate(alice.deviceId)).toBe(0);

    // Every failure is exactly what openEnvelope throws for that envelope in the same position.
    const single = createCounterTracker();
    batch.forEach((bytes, i) => {
      const o = outcomes[i]!;
      try {
        const opened = openEnvelope(base, bytes, { ...context(single), counters: single });
        expect(o.ok && o.envelope.plaintext).toEqual(opened.plaintext);
        single.commit(opened.header.author, opened.header.kind, opened.header.counter);
      } catch (e) {
        if (!isTendrilError(e)) throw e;
        expect(o.ok ? 'ok' : o.error.code).toBe(e.code);
      }
    });
  });

  it('gives the same verdicts with every verifier', async () => {
    const batch = [seal(alice, 1), seal(alice, 2), seal(bob, 1)];
    const bad = seal(alice, 3);
    bad[bad.length - 40]! ^= 1;
    batch.push(bad);
    const results = await Promise.all(
      (['sodium', 'node'] as const).map(async (ed25519) => summary(await openMany(await loadCrypto({ ed25519 }), batch, context()))),
    );
    expect(results[0]).toEqual(['ok 1', 'ok 2', 'ok 1', 'E_BAD_SIGNATURE']);
    expect(results[1]).toEqual(results[0]);
  });

  it('skips Ed25519 for envelopes with a valid local tag and falls back for a wrong one', async () => {
    const localKey = secret(base.randomBytes(32));
    const batch = [seal(alice, 1), seal(alice, 2), seal(alice, 3)];
    const tags = batch.map((b) => localVerifiedTag(base, localKey, b));
    const crypto = counting(base);
    expect(summary(await openMany(crypto, batch, context(), { localTags: { key: localKey, tags } }))).toEqual(['ok 1', 'ok 2', 'ok 3']);
    expect(crypto.verified).toBe(0);

    // A tag from another key, and a missing tag, fall back to the signature.
    const otherKey = secret(base.randomBytes(32));
    const mixed = [localVerifiedTag(base, otherKey, batch[0]!), undefined, tags[2]];
    expect(summary(await openMany(crypto, batch, context(), { localTags: { key: localKey, tags: mixed } }))).toEqual(['ok 1', 'ok 2', 'ok 3']);
    expect(crypto.verified).toBe(2);

    // Tampered bytes no longer match their tag, so the signature is checked and fails.
    const tampered = batch[1]!.slice();
    tampered[tampered.length - 70]! ^= 4;
    const out = await openMany(crypto, [batch[0]!, tampered], context(), { localTags: { key: localKey, tags: [tags[0], tags[1]] } });
    expect(summary(out)).toEqual(['ok 1', 'E_BAD_SIGNATURE']);
  });
});
