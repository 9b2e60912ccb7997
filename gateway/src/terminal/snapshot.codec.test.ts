/** The snapshot byte form round-trips and refuses malformed input. */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeSnapshot, encodeSnapshot, snapshotBytes, type ScreenSnapshot } from './snapshot.ts';

const sample: ScreenSnapshot = { coversSeq: 1234, coversOffset: 98_765_432_100, cols: 132, rows: 43, scrollbackLines: 1000, gzip: new Uint8Array(gzipSync('\x1b[31mhi')), takenAt: 1_700_000_000_123 };

describe('screen snapshot bytes', () => {
  it('round-trips every field and the text', () => {
    const back = decodeSnapshot(encodeSnapshot(sample));
    expect(back).toEqual(sample);
    expect(Buffer.from(snapshotBytes(back)).toString()).toBe('\x1b[31mhi');
  });

  it('decodes from a view into a larger buffer', () => {
    const bytes = encodeSnapshot(sample);
    const padded = new Uint8Array(bytes.length + 8);
    padded.set(bytes, 4);
    expect(decodeSnapshot(padded.subarray(4, 4 + bytes.length))).toEqual(sample);
  });

  it('refuses short input, unknown versions and out-of-range headers', () => {
    expect(() => decodeSnapshot(new Uint8Array(10))).toThrow(/too short/);
    const v2 = encodeSnapshot(sample);
    v2[0] = 2;
    expect(() => decodeSnapshot(v2)).toThrow(/version/);
    const bad = encodeSnapshot({ ...sample, coversSeq: 1.5 });
    expect(() => decodeSnapshot(bad)).toThrow(/out of range/);
  });
});
