/** Device ids from Ed25519 keys: each key by its own bytes, even though the last key encoded is remembered. */
import { describe, expect, it } from 'vitest';
import { deviceIdFromPublicKey, toBase64Url } from './ids.ts';

describe('deviceIdFromPublicKey', () => {
  it('names each key by its own bytes, whatever it named before', () => {
    const keys = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)];
    const expected = keys.map((k) => toBase64Url(k));
    for (let i = 0; i < 6; i++) expect(deviceIdFromPublicKey(keys[i % 2]!)).toBe(expected[i % 2]);
    // The same array changed in place is a different key.
    const key = new Uint8Array(32).fill(3);
    expect(deviceIdFromPublicKey(key)).toBe(toBase64Url(new Uint8Array(32).fill(3)));
    key[31] = 4;
    expect(deviceIdFromPublicKey(key)).toBe(toBase64Url(key));
    expect(() => deviceIdFromPublicKey(new Uint8Array(31))).toThrow(/32 bytes/);
  });
});
