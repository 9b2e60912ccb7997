/** Shared public keys: equal bytes give one Uint8Array, which is a copy of what the caller passed. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sharedKey } from './shared-keys.ts';

describe('shared keys', () => {
  it('gives equal keys one shared copy, and different keys their own', () => {
    const raw = new Uint8Array(randomBytes(32));
    const first = sharedKey(raw);
    const again = sharedKey(raw.slice());
    expect(again).toBe(first);
    expect(first).toEqual(raw);
    expect(first).not.toBe(raw);
    const other = sharedKey(new Uint8Array(randomBytes(32)));
    expect(other).not.toBe(first);
    expect(other).not.toEqual(first);
  });

  it('does not follow changes to the bytes it was given', () => {
    const raw = new Uint8Array(randomBytes(32));
    const copy = raw.slice();
    const shared = sharedKey(raw);
    raw.fill(0);
    expect(shared).toEqual(copy);
    expect(sharedKey(copy)).toBe(shared);
  });

  it('reads a key from a view into a larger buffer by its own bytes only', () => {
    const big = new Uint8Array(randomBytes(96));
    const view = big.subarray(32, 64);
    expect(sharedKey(view)).toEqual(big.slice(32, 64));
    expect(sharedKey(big.slice(32, 64))).toBe(sharedKey(view));
  });
});
