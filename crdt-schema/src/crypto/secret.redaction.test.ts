import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { toBase64Url } from '../ids.ts';
import { createDocKeys } from './doc-keys.ts';
import { generateDeviceIdentity } from './keys.ts';
import { loadCrypto } from './load.ts';
import { secret } from './secret.ts';

const crypto = await loadCrypto({ ed25519: 'sodium' });

describe('secret redaction', () => {
  it('prints [secret] in JSON, strings and inspection, and still exposes the value', () => {
    const bytes = Uint8Array.of(1, 2, 3, 250);
    const s = secret(bytes);
    expect(JSON.stringify({ s })).toBe('{"s":"[secret]"}');
    expect(`${s}`).toBe('[secret]');
    expect(inspect(s)).toBe('[secret]');
    expect(inspect({ nested: { s } }, { depth: 5 })).not.toContain('250');
    expect(Object.keys(s)).toEqual([]);
    expect(s.expose()).toBe(bytes);
    s.wipe();
    expect([...bytes]).toEqual([0, 0, 0, 0]);
  });

  it('keeps identity and document key secrets out of logged objects', () => {
    const identity = generateDeviceIdentity(crypto);
    const keys = createDocKeys(crypto, 'AAAAAAAAAAAAAAAAAAAAAA' as never);
    const secrets = [
      toBase64Url(identity.signSecretKey.expose().subarray(0, 32)),
      toBase64Url(identity.boxSecretKey.expose()),
      ...[...keys.epochs.values()].map((k) => toBase64Url(k.expose())),
      toBase64Url(keys.writeCap.secretKey!.expose().subarray(0, 32)),
    ];
    const logged = [JSON.stringify(identity), JSON.stringify({ ...keys, epochs: [...keys.epochs] }), inspect(identity, { depth: 9 }), inspect(keys, { depth: 9 })];
    for (const text of logged) {
      expect(text).toContain('[secret]');
      for (const s of secrets) expect(text).not.toContain(s);
      // Nor as decimal byte lists, as a raw Uint8Array would print.
      expect(text).not.toContain(String(identity.boxSecretKey.expose().slice(0, 4).join(', ')));
    }
  });
});
