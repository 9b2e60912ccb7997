import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { isTendrilError } from '../errors.ts';
import { deviceIdFromPublicKey, type DeviceId } from '../ids.ts';
import { createPrng, testSeed } from '../testkit/prng.ts';
import { decodeSnapshotPayload, encodeSnapshotPayload } from './snapshot-payload.ts';

const seed = testSeed('crdt-schema/src/envelope/snapshot-payload.roundtrip.test.ts');

function decodeCode(bytes: Uint8Array): string {
  try {
    decodeSnapshotPayload(bytes);
    return 'ok';
  } catch (e) {
    if (isTendrilError(e)) return e.code;
    throw e;
  }
}

describe('snapshot payload codec', () => {
  it('round-trips random payloads and encodes deterministically', () => {
    const prng = createPrng(seed);
    for (let i = 0; i < 300; i++) {
      const covers = new Map<DeviceId, number>();
      const n = prng.int(0, 12);
      for (let j = 0; j < n; j++) covers.set(deviceIdFromPublicKey(prng.bytes(32)), prng.int(1, 2 ** 40));
      const state = prng.bytes(prng.int(0, 500));
      const bytes = encodeSnapshotPayload({ covers, state });
      const back = decodeSnapshotPayload(bytes);
      expect(back.state).toEqual(state);
      expect(new Map(back.covers)).toEqual(covers);
      const shuffled = new Map(prng.shuffle([...covers]));
      expect(encodeSnapshotPayload({ covers: shuffled, state })).toEqual(bytes);
    }
  });

  it('refuses truncation, trailing bytes, unsorted or duplicate authors and zero counters', () => {
    const a = new Uint8Array(32).fill(1);
    const b = new Uint8Array(32).fill(2);
    const good = encodeSnapshotPayload({ covers: new Map([[deviceIdFromPublicKey(a), 3], [deviceIdFromPublicKey(b), 4]]), state: new Uint8Array([9, 9]) });
    expect(decodeCode(good)).toBe('ok');
    for (let n = 0; n < good.length; n++) expect(decodeCode(good.subarray(0, n))).toBe('E_DECODE_FAILED');
    expect(decodeCode(new Uint8Array([...good, 0]))).toBe('E_DECODE_FAILED');

    const raw = (entries: [Uint8Array, number][]): Uint8Array => {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, entries.length);
      for (const [k, n] of entries) {
        encoding.writeUint8Array(e, k);
        encoding.writeVarUint(e, n);
      }
      encoding.writeVarUint8Array(e, new Uint8Array(0));
      return encoding.toUint8Array(e);
    };
    expect(decodeCode(raw([[a, 1], [b, 1]]))).toBe('ok');
    expect(decodeCode(raw([[b, 1], [a, 1]]))).toBe('E_DECODE_FAILED');
    expect(decodeCode(raw([[a, 1], [a, 2]]))).toBe('E_DECODE_FAILED');
    expect(decodeCode(raw([[a, 0]]))).toBe('E_DECODE_FAILED');
    expect(decodeCode(new Uint8Array([0xff, 0xff, 0xff, 0x0f]))).toBe('E_DECODE_FAILED');
  });
});
