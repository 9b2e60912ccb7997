import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { isTendrilError, type ErrorCode } from '../errors.ts';
import { deviceIdFromPublicKey, keyEpoch, toBase64Url, type DocId } from '../ids.ts';
import { createPrng, testSeed } from '../testkit/prng.ts';
import {
  decodeHeader,
  encodeEnvelopeBody,
  encodeHeader,
  EnvelopeKind,
  parseEnvelope,
  type EnvelopeHeader,
} from './header.ts';

const seed = testSeed('crdt-schema/src/envelope/header.roundtrip.test.ts');

function codeOf(fn: () => unknown): ErrorCode | 'no error' {
  try {
    fn();
    return 'no error';
  } catch (e) {
    if (isTendrilError(e)) return e.code;
    throw e;
  }
}

function randomHeader(prng: ReturnType<typeof createPrng>): EnvelopeHeader {
  const bigs = [0, 1, 127, 128, 16383, 16384, 2 ** 31, 2 ** 53 - 1];
  return {
    kind: prng.pick([EnvelopeKind.Update, EnvelopeKind.Snapshot]),
    doc: toBase64Url(prng.bytes(16)) as DocId,
    epoch: keyEpoch(prng.bool() ? prng.pick(bigs) : prng.int(0, 1000)),
    author: deviceIdFromPublicKey(prng.bytes(32)),
    counter: Math.max(1, prng.bool() ? prng.pick(bigs) : prng.int(1, 100000)),
  };
}

describe('envelope header codec', () => {
  it('round-trips random headers and envelopes', () => {
    const prng = createPrng(seed);
    for (let i = 0; i < 500; i++) {
      const header = randomHeader(prng);
      const bytes = encodeHeader(header);
      expect(bytes[0]).toBe(1);
      expect(bytes[1]).toBe(header.kind);
      expect(decodeHeader(bytes)).toEqual(header);
      const nonce = prng.bytes(24);
      const ciphertext = prng.bytes(prng.int(16, 300));
      const signature = prng.bytes(64);
      const body = encodeEnvelopeBody(bytes, nonce, ciphertext);
      const envelope = new Uint8Array([...body, ...signature]);
      const parsed = parseEnvelope(envelope);
      expect(parsed.header).toEqual(header);
      expect(parsed.headerBytes).toEqual(bytes);
      expect(parsed.nonce).toEqual(nonce);
      expect(parsed.ciphertext).toEqual(ciphertext);
      expect(parsed.signature).toEqual(signature);
      expect(parsed.signed).toEqual(body);
      expect(toBase64Url(parsed.authorKey)).toBe(header.author);
    }
  });

  it('decodes the document and author of each header, alternating and changed in place (the last ones are remembered)', () => {
    const prng = createPrng(seed);
    const headers = [randomHeader(prng), randomHeader(prng)];
    const encoded = headers.map((h) => encodeHeader(h));
    for (let i = 0; i < 6; i++) expect(decodeHeader(encoded[i % 2]!)).toEqual(headers[i % 2]);
    // One byte of the document id changed in the same array: the other document, or a refusal.
    const bytes = encodeHeader({ ...headers[0]!, doc: 'AAAAAAAAAAAAAAAAAAAAAA' as DocId });
    expect(decodeHeader(bytes).doc).toBe('AAAAAAAAAAAAAAAAAAAAAA');
    bytes[3] = 'B'.charCodeAt(0);
    expect(decodeHeader(bytes).doc).toBe('BAAAAAAAAAAAAAAAAAAAAA');
    bytes[3] = '*'.charCodeAt(0);
    expect(codeOf(() => decodeHeader(bytes))).toBe('E_ENVELOPE_MALFORMED');
    bytes[3] = 'A'.charCodeAt(0);
    expect(decodeHeader(bytes).doc).toBe('AAAAAAAAAAAAAAAAAAAAAA');
  });

  it('lays the header out byte for byte as specified', () => {
    const author = new Uint8Array(32).fill(7);
    const doc = 'AAAAAAAAAAAAAAAAAAAAAA' as DocId;
    const bytes = encodeHeader({ kind: EnvelopeKind.Snapshot, doc, epoch: keyEpoch(300), author: deviceIdFromPublicKey(author), counter: 5 });
    const expected = [1, 1, 22, ...new TextEncoder().encode(doc), 0xac, 0x02, ...author, 5];
    expect([...bytes]).toEqual(expected);
  });

  it('refuses every defect with a specific code', () => {
    const prng = createPrng(seed + 1);
    const good = encodeHeader(randomHeader(prng));
    const withByte = (i: number, v: number): Uint8Array => Uint8Array.from(good, (b, j) => (j === i ? v : b));
    expect(codeOf(() => decodeHeader(withByte(0, 3)))).toBe('E_ENVELOPE_VERSION');
    // Version 2 ends with a 16-byte prev: a version 1 header relabelled as 2 is too short.
    expect(codeOf(() => decodeHeader(withByte(0, 2)))).toBe('E_ENVELOPE_MALFORMED');
    expect(codeOf(() => decodeHeader(withByte(1, 2)))).toBe('E_ENVELOPE_MALFORMED');
    expect(codeOf(() => decodeHeader(new Uint8Array()))).toBe('E_ENVELOPE_MALFORMED');
    expect(codeOf(() => decodeHeader(good.subarray(0, good.length - 1)))).toBe('E_ENVELOPE_MALFORMED');
    expect(codeOf(() => decodeHeader(new Uint8Array([...good, 0])))).toBe('E_ENVELOPE_MALFORMED');
    expect(codeOf(() => decodeHeader(withByte(3, '!'.charCodeAt(0))))).toBe('E_ENVELOPE_MALFORMED');

    // counter 0, and a non-minimal varUint (0x81 0x00 for 1)
    const one = encodeHeader({ ...randomHeader(prng), counter: 1 });
    const enc = (counterBytes: number[]): Uint8Array => new Uint8Array([...one.subarray(0, one.length - 1), ...counterBytes]);
    expect(codeOf(() => decodeHeader(enc([0])))).toBe('E_ENVELOPE_MALFORMED');
    expect(codeOf(() => decodeHeader(enc([0x81, 0x00])))).toBe('E_ENVELOPE_MALFORMED');
    expect(codeOf(() => decodeHeader(enc([1])))).toBe('no error');
  });

  it('refuses envelopes whose lengths do not add up, before reading past them', () => {
    const prng = createPrng(seed + 2);
    const header = encodeHeader(randomHeader(prng));
    const body = encodeEnvelopeBody(header, prng.bytes(24), prng.bytes(40));
    const good = new Uint8Array([...body, ...prng.bytes(64)]);
    expect(codeOf(() => parseEnvelope(good))).toBe('no error');
    for (let n = 0; n < good.length; n++) expect(codeOf(() => parseEnvelope(good.subarray(0, n)))).toBe('E_ENVELOPE_MALFORMED');
    expect(codeOf(() => parseEnvelope(new Uint8Array([...good, 0])))).toBe('E_ENVELOPE_MALFORMED');

    // A huge declared header length inside a view of a larger buffer must not read the neighbours.
    const big = new Uint8Array(4096);
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 100);
    big.set(encoding.toUint8Array(e));
    expect(codeOf(() => parseEnvelope(big.subarray(0, 10)))).toBe('E_ENVELOPE_MALFORMED');

    // Ciphertext shorter than a tag.
    const short = new Uint8Array([...encodeEnvelopeBody(header, prng.bytes(24), prng.bytes(15)), ...prng.bytes(64)]);
    expect(codeOf(() => parseEnvelope(short))).toBe('E_ENVELOPE_MALFORMED');
  });
});
