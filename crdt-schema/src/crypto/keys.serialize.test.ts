import { describe, expect, it } from 'vitest';
import { keyEpoch, newDocId } from '../ids.ts';
import { bytesEqual } from './bytes.ts';
import { canWrite, createDocKeys, currentDocKey, docKeyFor, mergeDocKeys, restrictDocKeys, rotateDocKeys } from './doc-keys.ts';
import { docKeysFromJSON, docKeysToJSON } from './doc-keys-json.ts';
import { deviceIdentityFromJSON, deviceIdentityToJSON, generateDeviceIdentity } from './keys.ts';
import { loadCrypto } from './load.ts';
import { codeOf } from '../testkit/error-code.ts';

const crypto = await loadCrypto({ ed25519: 'sodium' });

describe('device identities', () => {
  it('round-trip through JSON and still sign and unseal', () => {
    const id = generateDeviceIdentity(crypto);
    const back = deviceIdentityFromJSON(crypto, JSON.parse(JSON.stringify(deviceIdentityToJSON(id))));
    expect(back.deviceId).toBe(id.deviceId);
    expect(back.boxPublicKey).toEqual(id.boxPublicKey);
    const msg = crypto.randomBytes(40);
    expect(crypto.verify(crypto.sign(msg, back.signSecretKey.expose()), msg, id.signPublicKey)).toBe(true);
    const sealed = crypto.boxSeal(msg, id.boxPublicKey);
    expect(crypto.boxSealOpen(sealed, { publicKey: back.boxPublicKey, secretKey: back.boxSecretKey.expose() })).toEqual(msg);
    expect(bytesEqual(id.signPublicKey, id.boxPublicKey)).toBe(false);
  });

  it('refuse a stored identity whose id does not match its keys', () => {
    const a = deviceIdentityToJSON(generateDeviceIdentity(crypto));
    const b = deviceIdentityToJSON(generateDeviceIdentity(crypto));
    expect(codeOf(() => deviceIdentityFromJSON(crypto, { ...a, deviceId: b.deviceId }))).toBe('E_BAD_INPUT');
    expect(codeOf(() => deviceIdentityFromJSON(crypto, { ...a, signSeed: 'AAAA' }))).toBe('E_BAD_INPUT');
    expect(codeOf(() => deviceIdentityFromJSON(crypto, null))).toBe('E_BAD_INPUT');
  });
});

describe('document keys', () => {
  it('rotate to a fresh random key that no function of the old state predicts', () => {
    const keys = createDocKeys(crypto, newDocId());
    const a = rotateDocKeys(crypto, keys);
    const b = rotateDocKeys(crypto, keys);
    expect(a.current).toBe(1);
    const ka = docKeyFor(a, keyEpoch(1))!.expose();
    const kb = docKeyFor(b, keyEpoch(1))!.expose();
    // Two rotations of the same state differ: the new key is drawn, not derived.
    expect(bytesEqual(ka, kb)).toBe(false);
    expect(bytesEqual(ka, docKeyFor(keys, keyEpoch(0))!.expose())).toBe(false);
    // The old epoch key is kept.
    expect(docKeyFor(a, keyEpoch(0))!.expose()).toBe(docKeyFor(keys, keyEpoch(0))!.expose());
    // Capabilities are replaced by default and kept on request.
    expect(bytesEqual(a.writeCap.publicKey, keys.writeCap.publicKey)).toBe(false);
    expect(rotateDocKeys(crypto, keys, { capabilities: false }).writeCap).toBe(keys.writeCap);
  });

  it('let only writers rotate and grant write', () => {
    const keys = createDocKeys(crypto, newDocId());
    const reader = restrictDocKeys(keys, { write: false });
    expect(canWrite(reader)).toBe(false);
    expect(reader.readCap.secretKey).toBe(keys.readCap.secretKey);
    expect(codeOf(() => rotateDocKeys(crypto, reader))).toBe('E_FORBIDDEN');
    expect(codeOf(() => restrictDocKeys(reader, { write: true }))).toBe('E_FORBIDDEN');
  });

  it('restrict to an epoch range and merge back', () => {
    let keys = createDocKeys(crypto, newDocId());
    for (let i = 0; i < 4; i++) keys = rotateDocKeys(crypto, keys);
    const old = restrictDocKeys(keys, { from: 0, to: 1, write: false });
    expect([...old.epochs.keys()]).toEqual([0, 1]);
    expect(codeOf(() => currentDocKey(old))).toBe('E_KEY_MISSING');
    const recent = restrictDocKeys(keys, { from: 3, write: true });
    const merged = mergeDocKeys(old, recent);
    expect([...merged.epochs.keys()].sort()).toEqual([0, 1, 3, 4]);
    expect(canWrite(merged)).toBe(true);
    expect(currentDocKey(merged).epoch).toBe(4);
    expect(codeOf(() => mergeDocKeys(old, createDocKeys(crypto, newDocId())))).toBe('E_BAD_INPUT');
  });

  it('round-trip through JSON, with and without the write secret, and refuse tampered bundles', () => {
    let keys = createDocKeys(crypto, newDocId());
    keys = rotateDocKeys(crypto, keys);
    for (const k of [keys, restrictDocKeys(keys, { write: false })]) {
      const back = docKeysFromJSON(crypto, JSON.parse(JSON.stringify(docKeysToJSON(k))));
      expect(docKeysToJSON(back)).toEqual(docKeysToJSON(k));
      expect(canWrite(back)).toBe(canWrite(k));
    }
    const json = docKeysToJSON(keys);
    const other = docKeysToJSON(createDocKeys(crypto, newDocId()));
    expect(codeOf(() => docKeysFromJSON(crypto, { ...json, writeCap: { ...json.writeCap, publicKey: other.writeCap.publicKey } }))).toBe('E_BAD_INPUT');
    expect(codeOf(() => docKeysFromJSON(crypto, { ...json, readCap: { publicKey: json.readCap.publicKey } }))).toBe('E_BAD_INPUT');
    expect(codeOf(() => docKeysFromJSON(crypto, { ...json, epochs: [...json.epochs, [9, json.epochs[0]![1]]] }))).toBe('E_BAD_INPUT');
    expect(codeOf(() => docKeysFromJSON(crypto, { ...json, epochs: [[0, 'AAAA']] }))).toBe('E_BAD_INPUT');
    expect(codeOf(() => docKeysFromJSON(crypto, { ...json, doc: 'x' }))).toBe('E_BAD_ID');
  });
});
