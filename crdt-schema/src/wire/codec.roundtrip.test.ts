/**
 * Seeded round-trip property: for every frame type, random valid frames encode,
 * decode to a deep-equal frame, and re-encode to the same bytes (one encoding
 * per frame). Replay a failure with the printed TENDRIL_SEED.
 */
import { describe, expect, it } from 'vitest';
import { createPrng, testSeed } from '../testkit/prng.ts';
import { arbitraryFrame } from './arbitrary.ts';
import { decodeFrame, encodeFrame, entryFrameEncoder } from './codec.ts';
import type { EntryFrame } from './frames.ts';
import { FrameType } from './frames.ts';

const seed = testSeed('crdt-schema/src/wire/codec.roundtrip.test.ts');
const ITERATIONS = 400;

describe('frame codec round trip', () => {
  for (const [name, type] of Object.entries(FrameType)) {
    it(`${name}: decode(encode(f)) equals f and re-encodes to the same bytes`, () => {
      const prng = createPrng(seed + type);
      for (let i = 0; i < ITERATIONS; i++) {
        const frame = arbitraryFrame(prng, type);
        const bytes = encodeFrame(frame);
        const decoded = decodeFrame(bytes);
        expect(decoded, `iteration ${i}`).toStrictEqual(frame);
        expect(encodeFrame(decoded)).toStrictEqual(bytes);
      }
    });
  }

  it('starts every frame with its type tag as a varUint', () => {
    const prng = createPrng(seed);
    for (const type of Object.values(FrameType)) {
      expect(encodeFrame(arbitraryFrame(prng, type))[0]).toBe(type);
    }
  });

  it('decodes from a Buffer view into fresh Uint8Arrays that do not alias the input', () => {
    const prng = createPrng(seed);
    const frame = arbitraryFrame(prng, FrameType.Entry);
    const bytes = encodeFrame(frame);
    const pooled = Buffer.alloc(bytes.length + 16, 0xaa);
    pooled.set(bytes, 8);
    const view = pooled.subarray(8, 8 + bytes.length);
    const decoded = decodeFrame(view);
    expect(decoded).toStrictEqual(frame);
    pooled.fill(0);
    expect(decoded).toStrictEqual(frame);
  });

  it('entryFrameEncoder gives the bytes of encodeFrame, large seqs and empty envelopes included', () => {
    const prng = createPrng(seed ^ 5);
    for (let i = 0; i < ITERATIONS; i++) {
      const frame = arbitraryFrame(prng, FrameType.Entry) as EntryFrame;
      const encode = entryFrameEncoder(frame.doc);
      expect(encode(frame.seq, frame.envelope), `iteration ${i}`).toStrictEqual(encodeFrame(frame));
      for (const seq of [0, 127, 128, 2 ** 31, 2 ** 53 - 1]) expect(encode(seq, new Uint8Array(0))).toStrictEqual(encodeFrame({ ...frame, seq, envelope: new Uint8Array(0) }));
    }
    const encode = entryFrameEncoder((arbitraryFrame(prng, FrameType.Entry) as EntryFrame).doc);
    expect(() => encode(-1, new Uint8Array(1))).toThrow(/Entry.seq/);
  });
});
