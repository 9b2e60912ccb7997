import { describe, expect, it, vi } from 'vitest';
import { isTendrilError, type ErrorCode } from '../errors.ts';
import { keyEpoch, newDocId, type DeviceId, type DocId } from '../ids.ts';
import { concatBytes, Context, withContext } from '../crypto/bytes.ts';
import { createDocKeys, currentDocKey, docKeyFor, restrictDocKeys, rotateDocKeys, type DocKeys } from '../crypto/doc-keys.ts';
import { generateDeviceIdentity, type DeviceIdentity } from '../crypto/keys.ts';
import { loadCrypto } from '../crypto/load.ts';
import { secret } from '../crypto/secret.ts';
import { createCounterTracker, type CounterTracker } from './counters.ts';
import { encodeEnvelopeBody, encodeHeader, EnvelopeKind, parseEnvelope } from './header.ts';
import { openEnvelope, type OpenContext } from './open.ts';
import { sealEnvelope } from './seal.ts';

const crypto = await loadCrypto();
const alice = generateDeviceIdentity(crypto);
const bob = generateDeviceIdentity(crypto);
const mallory = generateDeviceIdentity(crypto);
const doc = newDocId();
const keys = createDocKeys(crypto, doc);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function seal(counter: number, opts: { author?: DeviceIdentity; keys?: DocKeys; kind?: EnvelopeKind; doc?: DocId; body?: string } = {}): Uint8Array {
  const k = opts.keys ?? keys;
  const { epoch, key } = currentDocKey(k);
  const plaintext = text(opts.body ?? `update ${counter}`);
  return sealEnvelope(crypto, { kind: opts.kind ?? EnvelopeKind.Update, doc: opts.doc ?? doc, epoch, key, author: opts.author ?? alice, counter, plaintext });
}

function context(over: Partial<OpenContext> & { counters?: CounterTracker; keys?: DocKeys; members?: DeviceId[] } = {}): OpenContext {
  const k = over.keys ?? keys;
  const members = over.members ?? [alice.deviceId, bob.deviceId];
  return {
    doc: over.doc ?? doc,
    keyFor: over.keyFor ?? ((e) => docKeyFor(k, e)),
    isAllowedAuthor: over.isAllowedAuthor ?? ((a) => members.includes(a)),
    counters: over.counters ?? createCounterTracker(),
  };
}

function codeOf(fn: () => unknown): ErrorCode | 'opened' {
  try {
    fn();
    return 'opened';
  } catch (e) {
    if (isTendrilError(e)) return e.code;
    throw e;
  }
}

describe('opening envelopes', () => {
  it('returns the plaintext and header of a valid envelope', () => {
    const opened = openEnvelope(crypto, seal(1, { body: 'hello' }), context());
    expect(new TextDecoder().decode(opened.plaintext)).toBe('hello');
    expect(opened.header).toMatchObject({ doc, author: alice.deviceId, counter: 1, kind: EnvelopeKind.Update, epoch: 0 });
  });

  it('opens an envelope that is a view into a larger buffer (pooled socket buffers)', () => {
    const envelope = seal(1, { body: 'pooled' });
    const pool = new Uint8Array(envelope.length + 64).fill(0xee);
    pool.set(envelope, 32);
    const opened = openEnvelope(crypto, pool.subarray(32, 32 + envelope.length), context());
    expect(new TextDecoder().decode(opened.plaintext)).toBe('pooled');
    expect(codeOf(() => openEnvelope(crypto, pool.subarray(32, 32 + envelope.length - 1), context()))).toBe('E_ENVELOPE_MALFORMED');
  });

  it('draws a fresh nonce from crypto.getRandomValues for every envelope', () => {
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues');
    const a = parseEnvelope(seal(1));
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
    const b = parseEnvelope(seal(1));
    expect(a.nonce).not.toEqual(b.nonce);
  });

  it('refuses a replay once the counter was committed, and a skipped counter', () => {
    const counters = createCounterTracker();
    const ctx = context({ counters });
    const first = seal(1);
    const opened = openEnvelope(crypto, first, ctx);
    // Not committed yet (the apply could still fail): opening again is allowed.
    expect(codeOf(() => openEnvelope(crypto, first, ctx))).toBe('opened');
    counters.commit(opened.header.author, opened.header.kind, opened.header.counter);
    expect(codeOf(() => openEnvelope(crypto, first, ctx))).toBe('E_REPLAY');
    expect(codeOf(() => openEnvelope(crypto, seal(3), ctx))).toBe('E_COUNTER_GAP');
    expect(codeOf(() => openEnvelope(crypto, seal(2), ctx))).toBe('opened');
    // Counters are per author: bob starts at 1.
    expect(codeOf(() => openEnvelope(crypto, seal(1, { author: bob }), ctx))).toBe('opened');
  });

  it('refuses a wrong key, a foreign document, a non-member and an unknown epoch', () => {
    const envelope = seal(1);
    expect(codeOf(() => openEnvelope(crypto, envelope, context({ keyFor: () => secret(crypto.randomBytes(32)) })))).toBe('E_DECRYPT_FAILED');
    expect(codeOf(() => openEnvelope(crypto, envelope, context({ doc: newDocId() })))).toBe('E_WRONG_DOC');
    expect(codeOf(() => openEnvelope(crypto, seal(1, { author: mallory }), context()))).toBe('E_UNKNOWN_AUTHOR');
    expect(codeOf(() => openEnvelope(crypto, envelope, context({ keyFor: () => undefined })))).toBe('E_UNKNOWN_EPOCH');
  });

  it('asks the membership check about the envelope kind', () => {
    const writersOnlySnapshot = (a: DeviceId, kind: EnvelopeKind): boolean => a === alice.deviceId || kind === EnvelopeKind.Update;
    const ctx = context({ isAllowedAuthor: writersOnlySnapshot });
    expect(codeOf(() => openEnvelope(crypto, seal(1, { author: bob }), ctx))).toBe('opened');
    expect(codeOf(() => openEnvelope(crypto, seal(1, { author: bob, kind: EnvelopeKind.Snapshot }), ctx))).toBe('E_UNKNOWN_AUTHOR');
    expect(codeOf(() => openEnvelope(crypto, seal(1, { kind: EnvelopeKind.Snapshot }), ctx))).toBe('opened');
  });

  it('refuses truncated and extended envelopes as malformed', () => {
    const envelope = seal(1);
    for (const n of [0, 1, 10, envelope.length - 65, envelope.length - 1]) {
      expect(codeOf(() => openEnvelope(crypto, envelope.subarray(0, n), context()))).toBe('E_ENVELOPE_MALFORMED');
    }
    expect(codeOf(() => openEnvelope(crypto, concatBytes(envelope, new Uint8Array(1)), context()))).toBe('E_ENVELOPE_MALFORMED');
    expect(codeOf(() => openEnvelope(crypto, concatBytes(envelope, envelope), context()))).toBe('E_ENVELOPE_MALFORMED');
  });

  it('checks in the fixed order: doc, signature, author, counter, epoch, decrypt', () => {
    const counters = createCounterTracker();
    counters.commit(alice.deviceId, EnvelopeKind.Update, 1);
    counters.commit(mallory.deviceId, EnvelopeKind.Update, 1);
    const replay = seal(1);
    const forged = replay.slice();
    forged[forged.length - 1]! ^= 1;
    // A replayed envelope with a broken signature is a signature failure first.
    expect(codeOf(() => openEnvelope(crypto, forged, context({ counters })))).toBe('E_BAD_SIGNATURE');
    // Another doc wins over everything after it.
    expect(codeOf(() => openEnvelope(crypto, forged, context({ counters, doc: newDocId() })))).toBe('E_WRONG_DOC');
    // A non-member's replay is refused as unknown author before the counter is looked at.
    expect(codeOf(() => openEnvelope(crypto, seal(1, { author: mallory }), context({ counters })))).toBe('E_UNKNOWN_AUTHOR');
    // A replay under an unknown epoch is a replay.
    const keyFor = vi.fn(() => undefined);
    expect(codeOf(() => openEnvelope(crypto, replay, context({ counters, keyFor })))).toBe('E_REPLAY');
    expect(keyFor).not.toHaveBeenCalled();
  });

  it('binds the header as associated data: a re-signed header over the same ciphertext does not decrypt', () => {
    const rotated = rotateDocKeys(crypto, keys, { capabilities: false });
    const original = parseEnvelope(seal(1));
    // The author itself relabels the ciphertext as epoch 1 and signs again: signature fine, AEAD refuses.
    const header = encodeHeader({ ...original.header, epoch: keyEpoch(1) });
    const body = encodeEnvelopeBody(header, original.nonce, original.ciphertext);
    const relabelled = concatBytes(body, crypto.sign(withContext(Context.envelope, body), alice.signSecretKey.expose()));
    const ctx = context({ keyFor: () => docKeyFor(keys, keyEpoch(0)), keys: rotated });
    expect(codeOf(() => openEnvelope(crypto, relabelled, ctx))).toBe('E_DECRYPT_FAILED');
  });

  it('keeps opening old epochs after a rotation; old keys do not open new envelopes', () => {
    const old = seal(1, { body: 'before' });
    const rotated = rotateDocKeys(crypto, keys);
    const fresh = seal(2, { keys: rotated, body: 'after' });
    expect(parseEnvelope(fresh).header.epoch).toBe(1);
    const counters = createCounterTracker();
    const ctx = context({ keys: rotated, counters });
    expect(new TextDecoder().decode(openEnvelope(crypto, old, ctx).plaintext)).toBe('before');
    counters.commit(alice.deviceId, EnvelopeKind.Update, 1);
    expect(new TextDecoder().decode(openEnvelope(crypto, fresh, ctx).plaintext)).toBe('after');
    // A member holding only epoch 0 cannot read epoch 1.
    const revoked = restrictDocKeys(rotated, { from: 0, to: 0, write: false });
    expect(codeOf(() => openEnvelope(crypto, fresh, context({ keys: revoked, counters })))).toBe('E_UNKNOWN_EPOCH');
    // Forcing the old key onto the new epoch fails authentication.
    expect(codeOf(() => openEnvelope(crypto, fresh, context({ counters, keyFor: () => docKeyFor(keys, keyEpoch(0)) })))).toBe('E_DECRYPT_FAILED');
  });
});
