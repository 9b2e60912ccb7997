import { describe, expect, it } from 'vitest';
import { newDocId } from '../ids.ts';
import { canWrite, createDocKeys, rotateDocKeys } from './doc-keys.ts';
import { docKeysToJSON } from './doc-keys-json.ts';
import { devicePublicKeys, generateDeviceIdentity } from './keys.ts';
import { loadCrypto } from './load.ts';
import { openLockbox, readLockboxInfo, sealLockbox } from './lockbox.ts';
import { codeOf } from '../testkit/error-code.ts';

const crypto = await loadCrypto();
const admin = generateDeviceIdentity(crypto);
const phone = generateDeviceIdentity(crypto);
const stranger = generateDeviceIdentity(crypto);
let keys = createDocKeys(crypto, newDocId());
keys = rotateDocKeys(crypto, rotateDocKeys(crypto, keys));
const trustAdmin = { trustSender: (d: string) => d === admin.deviceId };

describe('lockboxes', () => {
  it('carry all epochs and the write capability to the recipient', () => {
    const box = sealLockbox(crypto, { keys, write: true, sender: admin, recipient: devicePublicKeys(phone) });
    const { info, keys: got } = openLockbox(crypto, box, { recipient: phone, ...trustAdmin });
    expect(info).toEqual({ doc: keys.doc, fromEpoch: 0, toEpoch: 2, recipient: phone.deviceId, sender: admin.deviceId, write: true });
    expect(docKeysToJSON(got)).toEqual(docKeysToJSON(keys));
    expect(readLockboxInfo(box)).toEqual(info);
  });

  it('carry a range of epochs without the write secret', () => {
    const box = sealLockbox(crypto, { keys, from: 1, to: 2, write: false, sender: admin, recipient: devicePublicKeys(phone) });
    const { info, keys: got } = openLockbox(crypto, box, { recipient: phone, ...trustAdmin });
    expect([info.fromEpoch, info.toEpoch, info.write]).toEqual([1, 2, false]);
    expect([...got.epochs.keys()]).toEqual([1, 2]);
    expect(canWrite(got)).toBe(false);
    expect(got.readCap.secretKey.expose()).toEqual(keys.readCap.secretKey.expose());
  });

  it('do not open for another device, from an untrusted sender, or after any byte changed', () => {
    const box = sealLockbox(crypto, { keys, write: false, sender: admin, recipient: devicePublicKeys(phone) });
    expect(codeOf(() => openLockbox(crypto, box, { recipient: stranger, ...trustAdmin }))).toBe('E_LOCKBOX_OPEN_FAILED');
    expect(codeOf(() => openLockbox(crypto, box, { recipient: phone, trustSender: () => false }))).toBe('E_LOCKBOX_OPEN_FAILED');
    // Relabelled to the stranger's id, re-signed by a stranger: untrusted; even if trusted it stays sealed to the phone.
    const relabelled = sealLockbox(crypto, { keys, write: false, sender: stranger, recipient: { deviceId: stranger.deviceId, boxPublicKey: phone.boxPublicKey } });
    expect(codeOf(() => openLockbox(crypto, relabelled, { recipient: stranger, trustSender: () => true }))).toBe('E_LOCKBOX_OPEN_FAILED');
    for (let i = 0; i < box.length; i++) {
      const bad = box.slice();
      bad[i]! ^= 0x20;
      expect(codeOf(() => openLockbox(crypto, bad, { recipient: phone, ...trustAdmin })), `byte ${i}`).toBe('E_LOCKBOX_OPEN_FAILED');
    }
    expect(codeOf(() => openLockbox(crypto, box.subarray(0, 70), { recipient: phone, ...trustAdmin }))).toBe('E_LOCKBOX_OPEN_FAILED');
  });

  it('refuse to grant a write capability the sender does not hold', () => {
    const reader = { ...keys, writeCap: { publicKey: keys.writeCap.publicKey, secretKey: null } };
    expect(codeOf(() => sealLockbox(crypto, { keys: reader, write: true, sender: admin, recipient: devicePublicKeys(phone) }))).toBe('E_FORBIDDEN');
  });
});
