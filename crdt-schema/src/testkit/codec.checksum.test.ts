import { describe, expect, it } from 'vitest';
import { isTendrilError } from '../errors.ts';
import { checksumCodec } from './codec.ts';
import { createPrng, testSeed } from './prng.ts';

describe('checksum codec', () => {
  it('round-trips random messages and detects every single-byte corruption (seeded)', () => {
    const prng = createPrng(testSeed('crdt-schema/src/testkit/codec.checksum.test.ts'));
    const codec = checksumCodec();
    for (let i = 0; i < 200; i++) {
      const plain = prng.bytes(prng.int(0, 300));
      const sealed = codec.seal(plain, 0);
      expect(codec.open(sealed, 1)).toEqual(plain);
      const bad = sealed.slice();
      bad[prng.int(0, bad.length - 1)]! ^= prng.int(1, 255);
      expect(() => codec.open(bad, 1)).toThrow(/checksum/);
    }
  });

  it('refuses truncated input with a stable code', () => {
    try {
      checksumCodec().open(new Uint8Array(5), 1);
      expect.fail('must throw');
    } catch (e) {
      expect(isTendrilError(e, 'E_ENVELOPE_MALFORMED')).toBe(true);
    }
  });
});
