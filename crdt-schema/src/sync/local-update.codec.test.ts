/** The local log record codec: seeded round trips, and every truncation or defect refused with E_DECODE_FAILED. */
import { describe, expect, it } from 'vitest';
import { deviceIdFromPublicKey } from '../ids.ts';
import { codeOf } from '../testkit/error-code.ts';
import { createPrng, testSeed } from '../testkit/prng.ts';
import { decodeLocalUpdate, decodeLocalUpdates, encodeLocalUpdate, encodeLocalUpdates, type LocalUpdate } from './local-update.ts';

const seed = testSeed('crdt-schema/src/sync/local-update.codec.test.ts');

describe('LocalUpdate codec', () => {
  it('round-trips random records (seeded)', () => {
    const r = createPrng(seed);
    for (let i = 0; i < 300; i++) {
      const u: LocalUpdate = {
        seq: r.bool() ? 0 : r.int(1, 2 ** 40),
        author: r.bool(0.8) ? { device: deviceIdFromPublicKey(r.bytes(32)), counter: r.int(1, 2 ** 40) } : null,
        update: r.bytes(r.int(0, 300)),
      };
      expect(decodeLocalUpdate(encodeLocalUpdate(u))).toEqual(u);
    }
  });

  it('refuses every truncation, trailing bytes and an unknown version', () => {
    const r = createPrng(seed ^ 1);
    const bytes = encodeLocalUpdate({ seq: 9, author: { device: deviceIdFromPublicKey(r.bytes(32)), counter: 3 }, update: r.bytes(20) });
    for (let n = 0; n < bytes.length; n++) expect(codeOf(() => decodeLocalUpdate(bytes.subarray(0, n)))).toBe('E_DECODE_FAILED');
    expect(codeOf(() => decodeLocalUpdate(Uint8Array.of(...bytes, 0)))).toBe('E_DECODE_FAILED');
    expect(codeOf(() => decodeLocalUpdate(Uint8Array.of(2, ...bytes.subarray(1))))).toBe('E_DECODE_FAILED');
    expect(codeOf(() => encodeLocalUpdate({ seq: 1, author: { device: deviceIdFromPublicKey(r.bytes(32)), counter: 0 }, update: new Uint8Array(0) }))).toBe('E_BAD_INPUT');
  });

  it('round-trips batches of records (seeded), and reads a version 1 record as a batch of one', () => {
    const r = createPrng(seed ^ 2);
    const one = (): LocalUpdate => ({
      seq: r.bool() ? 0 : r.int(1, 2 ** 40),
      author: r.bool(0.8) ? { device: deviceIdFromPublicKey(r.bytes(32)), counter: r.int(1, 2 ** 40) } : null,
      update: r.bytes(r.int(0, 100)),
    });
    for (let i = 0; i < 50; i++) {
      const us = Array.from({ length: r.int(0, 40) }, one);
      expect(decodeLocalUpdates(encodeLocalUpdates(us))).toEqual(us);
    }
    const u = one();
    expect(decodeLocalUpdates(encodeLocalUpdate(u))).toEqual([u]);
  });

  it('refuses every truncation of a batch, trailing bytes and a count beyond its bytes', () => {
    const r = createPrng(seed ^ 3);
    const bytes = encodeLocalUpdates([
      { seq: 9, author: { device: deviceIdFromPublicKey(r.bytes(32)), counter: 3 }, update: r.bytes(20) },
      { seq: 10, author: null, update: new Uint8Array(0) },
    ]);
    for (let n = 0; n < bytes.length; n++) expect(codeOf(() => decodeLocalUpdates(bytes.subarray(0, n)))).toBe('E_DECODE_FAILED');
    expect(codeOf(() => decodeLocalUpdates(Uint8Array.of(...bytes, 0)))).toBe('E_DECODE_FAILED');
    expect(codeOf(() => decodeLocalUpdates(Uint8Array.of(2, 0xff, 0xff, 0xff, 0x7f)))).toBe('E_DECODE_FAILED');
    expect(codeOf(() => decodeLocalUpdates(Uint8Array.of(3, ...bytes.subarray(1))))).toBe('E_DECODE_FAILED');
    // A single-record reader does not take a batch for one.
    expect(codeOf(() => decodeLocalUpdate(bytes))).toBe('E_DECODE_FAILED');
  });
});
