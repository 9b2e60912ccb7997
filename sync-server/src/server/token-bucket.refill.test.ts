/** The token bucket: burst, refill at the rate, and the wait it reports. */
import { describe, expect, it } from 'vitest';
import { createTokenBucket } from './token-bucket.ts';

describe('token bucket', () => {
  it('allows a burst, then one token per 1/rate seconds, and says how long to wait', () => {
    const b = createTokenBucket(10, 3, 0);
    expect([b.take(0), b.take(0), b.take(0)]).toEqual([0, 0, 0]);
    expect(b.take(0)).toBe(100);
    expect(b.take(50)).toBe(50);
    expect(b.take(100)).toBe(0);
    expect(b.take(10_000)).toBe(0);
    expect([b.take(10_000), b.take(10_000), b.take(10_000)]).toEqual([0, 0, 100]);
  });

  it('ignores time going backwards', () => {
    const b = createTokenBucket(1, 1, 1000);
    expect(b.take(1000)).toBe(0);
    expect(b.take(0)).toBeGreaterThan(0);
  });
});
