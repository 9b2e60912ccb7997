import { describe, expect, it } from 'vitest';
import { createPrng, testSeed } from '../testkit/prng.ts';
import { isOrderKey, orderKeyBetween } from './order-key.ts';

describe('order keys', () => {
  it('always finds a key strictly between two neighbours (seeded random insertions)', () => {
    const prng = createPrng(testSeed('crdt-schema/src/schema/order-key.between.test.ts'));
    const keys: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const at = prng.int(0, keys.length);
      const key = orderKeyBetween(keys[at - 1], keys[at]);
      expect(isOrderKey(key)).toBe(true);
      if (at > 0) expect(key > keys[at - 1]!).toBe(true);
      if (at < keys.length) expect(key < keys[at]!).toBe(true);
      keys.splice(at, 0, key);
    }
    expect(Math.max(...keys.map((k) => k.length))).toBeLessThan(60);
  });

  it('rejects reversed or malformed bounds', () => {
    expect(() => orderKeyBetween('b', 'a')).toThrow(/low, high/);
    expect(() => orderKeyBetween('a0')).toThrow(/order key/);
    expect(orderKeyBetween('a', 'b')).toBe('aV');
  });
});
