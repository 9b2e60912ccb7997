import standardSodium from 'libsodium-wrappers-sumo';
import { describe, expect, it } from 'vitest';
import { concatBytes } from './bytes.ts';
import { loadCrypto } from './load.ts';
import {
  DEFAULT_PWHASH, DEFAULT_PWHASH_LIMITS, derivePassphraseKey, openWithPassphrase, openWithPassphraseAsync, sealWithPassphrase, sealWithPassphraseAsync, type AsyncPwhash, type PassphraseOptions,
} from './passphrase.ts';
import type { CryptoProvider, PwhashParams } from './provider.ts';
import { hasArgon2id, type SodiumModule } from './sodium.ts';
import { codeOf } from '../testkit/error-code.ts';

const standard = await loadCrypto({ ed25519: 'sodium' });

/** The sumo build when it is installed; the standard build has no Argon2id. */
async function loadSumo(): Promise<SodiumModule | null> {
  const specifier = 'libsodium-wrappers-sumo';
  try {
    const mod = ((await import(/* @vite-ignore */ specifier)) as { default: SodiumModule }).default;
    await mod.ready;
    return hasArgon2id(mod) ? mod : null;
  } catch {
    return null;
  }
}
const sumo = await loadSumo();

/**
 * Where Argon2id is missing, the sealing logic is tested over a stand-in KDF
 * that, like Argon2id, depends on passphrase, salt and both cost parameters.
 */
const calls: PwhashParams[] = [];
const crypto: CryptoProvider = sumo
  ? await loadCrypto({ ed25519: 'sodium', sodium: sumo })
  : {
      ...standard,
      pwhash: (pass, salt, params, length) => {
        calls.push(params);
        const cost = new TextEncoder().encode(`${params.opsLimit}/${params.memLimit}`);
        return standard.hash(concatBytes(pass, new Uint8Array([0]), cost), length, concatBytes(salt, salt));
      },
    };

/** Cheap Argon2 for tests only; production code never passes these. */
const cheap: PassphraseOptions = {
  params: { opsLimit: 1, memLimit: 8192 },
  limits: { min: { opsLimit: 1, memLimit: 8192 }, max: DEFAULT_PWHASH_LIMITS.max },
};

describe('passphrase sealing', () => {
  it('opens with the right passphrase (NFC-normalized) and refuses a wrong one', () => {
    const data = crypto.randomBytes(100);
    const blob = sealWithPassphrase(crypto, 'caf\u00e9 horse battery', data, cheap);
    expect(openWithPassphrase(crypto, 'cafe\u0301 horse battery', blob, cheap)).toEqual(data);
    expect(codeOf(() => openWithPassphrase(crypto, 'cafe horse battery', blob, cheap))).toBe('E_PASSPHRASE');
    expect(codeOf(() => openWithPassphrase(crypto, '', blob, cheap))).toBe('E_BAD_INPUT');
  });

  it('authenticates the parameters and salt, and refuses malformed or out-of-limit blobs', () => {
    const blob = sealWithPassphrase(crypto, 'pw', new Uint8Array([1, 2, 3]), cheap);
    const saltAt = 2 + 1 + 2; // version, algorithm, opsLimit (1 byte), memLimit 8192 (2 bytes)
    const salted = blob.slice();
    salted[saltAt]! ^= 1;
    expect(codeOf(() => openWithPassphrase(crypto, 'pw', salted, cheap))).toBe('E_PASSPHRASE');
    const ops = blob.slice();
    ops[2] = 2; // the blob now names t=2: still within the limits, but authenticated as associated data
    expect(codeOf(() => openWithPassphrase(crypto, 'pw', ops, cheap))).toBe('E_PASSPHRASE');
    const cipher = blob.slice();
    cipher[cipher.length - 1]! ^= 1;
    expect(codeOf(() => openWithPassphrase(crypto, 'pw', cipher, cheap))).toBe('E_PASSPHRASE');
    expect(codeOf(() => openWithPassphrase(crypto, 'pw', blob.subarray(0, 20), cheap))).toBe('E_BAD_INPUT');
    expect(codeOf(() => openWithPassphrase(crypto, 'pw', Uint8Array.of(9, ...blob.subarray(1)), cheap))).toBe('E_BAD_INPUT');
    // With production limits, a blob naming a cheap cost is refused before any hashing, and cannot be made.
    expect(codeOf(() => openWithPassphrase(crypto, 'pw', blob))).toBe('E_BAD_INPUT');
    expect(codeOf(() => sealWithPassphrase(crypto, 'pw', new Uint8Array(1), { params: cheap.params }))).toBe('E_BAD_INPUT');
  });

  it('defaults to at least OWASP strength and derives stable keys per salt', () => {
    expect(DEFAULT_PWHASH.opsLimit).toBeGreaterThanOrEqual(3);
    expect(DEFAULT_PWHASH.memLimit).toBeGreaterThanOrEqual(64 * 1024 * 1024);
    expect(DEFAULT_PWHASH_LIMITS.min.opsLimit).toBeGreaterThanOrEqual(2);
    expect(DEFAULT_PWHASH_LIMITS.min.memLimit).toBeGreaterThanOrEqual(19 * 1024 * 1024);
    const salt = crypto.randomBytes(16);
    const a = derivePassphraseKey(crypto, 'pw', salt, cheap.params);
    const b = derivePassphraseKey(crypto, 'pw', salt, cheap.params);
    const c = derivePassphraseKey(crypto, 'pw', crypto.randomBytes(16), cheap.params);
    expect(a.expose()).toEqual(b.expose());
    expect(a.expose()).not.toEqual(c.expose());
    expect(codeOf(() => derivePassphraseKey(crypto, 'pw', new Uint8Array(8), cheap.params))).toBe('E_BAD_INPUT');
  });

  it('says clearly when the libsodium build has no Argon2id', () => {
    const expected = hasArgon2id(standardSodium) ? 'ok' : 'E_BAD_INPUT';
    expect(codeOf(() => standard.pwhash(new Uint8Array(1), new Uint8Array(16), cheap.params!, 32))).toBe(expected);
  });

  it.skipIf(sumo === null)('calls real Argon2id13 with the stated cost (libsodium-wrappers-sumo)', () => {
    const password = new TextEncoder().encode('correct horse');
    const salt = crypto.randomBytes(16);
    const params = { opsLimit: 2, memLimit: 1024 * 1024 };
    const hash = crypto.pwhash(password, salt, params, 32);
    // The PHC string libsodium itself verifies: it only matches for Argon2id with exactly these parameters.
    const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64').replace(/=+$/, '');
    const phc = `$argon2id$v=19$m=${params.memLimit / 1024},t=${params.opsLimit},p=1$${b64(salt)}$${b64(hash)}`;
    expect(sumo!.crypto_pwhash_str_verify(phc, password)).toBe(true);
    expect(sumo!.crypto_pwhash_str_verify(phc.replace('t=2', 't=3'), password)).toBe(false);
  });

  it('runs Argon2id through an injected async hasher with the same blob format both ways', async () => {
    const calls: number[] = [];
    const pwhash: AsyncPwhash = async (pass, salt, params, length) => (calls.push(params.opsLimit), crypto.pwhash(pass, salt, params, length));
    const data = crypto.randomBytes(50);
    const blob = await sealWithPassphraseAsync(crypto, 'pw async', data, { ...cheap, pwhash });
    expect(openWithPassphrase(crypto, 'pw async', blob, cheap)).toEqual(data);
    expect(await openWithPassphraseAsync(crypto, 'pw async', sealWithPassphrase(crypto, 'pw async', data, cheap), { ...cheap, pwhash })).toEqual(data);
    await expect(openWithPassphraseAsync(crypto, 'wrong', blob, { ...cheap, pwhash })).rejects.toMatchObject({ code: 'E_PASSPHRASE' });
    expect(calls).toEqual([1, 1, 1]);
    const short: AsyncPwhash = async () => new Uint8Array(16);
    await expect(openWithPassphraseAsync(crypto, 'pw async', blob, { ...cheap, pwhash: short })).rejects.toMatchObject({ code: 'E_BAD_INPUT' });
  });
});
