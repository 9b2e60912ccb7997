/** The verifier's key cache: bounded, least recently used out, and verdicts unchanged by it. */
import { describe, expect, it } from 'vitest';
import { createEd25519Verifier } from './ed25519.ts';
import { testKey } from '../testing/keys.ts';

const message = new TextEncoder().encode('a message');

describe('ed25519 verifier key cache', () => {
  it('holds at most its limit of keys, whatever number of devices verify', () => {
    const v = createEd25519Verifier(4);
    for (let i = 0; i < 10; i++) {
      const k = testKey();
      expect(v.verify(k.publicKey, message, k.sign(message))).toBe(true);
    }
    expect(v.cachedKeys).toBe(4);
    expect(v.imports).toBe(10);
  });

  it('keeps the key in use and evicts the least recently used one', () => {
    const v = createEd25519Verifier(3);
    const [hot, b, c, d] = [testKey(), testKey(), testKey(), testKey()];
    const check = (k: typeof hot): boolean => v.verify(k.publicKey, message, k.sign(message));
    for (const k of [hot, b, c]) check(k);
    expect(v.imports).toBe(3);
    check(hot); // used again: now the most recent
    check(d); // evicts b, not hot
    expect(v.imports).toBe(4);
    check(hot);
    expect(v.imports).toBe(4);
    check(b);
    expect(v.imports).toBe(5);
  });

  it('refuses a bad signature under a cached key and under an evicted one', () => {
    const v = createEd25519Verifier(1);
    const [a, b] = [testKey(), testKey()];
    const sig = a.sign(message);
    expect(v.verify(a.publicKey, message, sig)).toBe(true);
    expect(v.verify(a.publicKey, new TextEncoder().encode('another message'), sig)).toBe(false);
    expect(v.verify(b.publicKey, message, b.sign(message))).toBe(true); // a evicted
    expect(v.verify(a.publicKey, message, b.sign(message))).toBe(false);
    expect(v.verify(a.publicKey, message, sig)).toBe(true);
  });
});
