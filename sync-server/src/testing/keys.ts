/** Ed25519 keys for tests, with node:crypto: devices, admins and capabilities all sign the same way. */
import { generateKeyPairSync, sign as edSign, type KeyObject } from 'node:crypto';
import { deviceIdFromPublicKey, type DeviceId } from '@tendril/crdt-schema/ids';

export interface TestKey {
  /** Raw 32-byte public key. */
  readonly publicKey: Uint8Array;
  /** The device id this key would have as a device. */
  readonly id: DeviceId;
  sign(message: Uint8Array): Uint8Array;
}

export function testKey(): TestKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(12));
  return keyFrom(raw, privateKey);
}

function keyFrom(raw: Uint8Array, privateKey: KeyObject): TestKey {
  return {
    publicKey: raw,
    id: deviceIdFromPublicKey(raw),
    sign: (message) => new Uint8Array(edSign(null, message, privateKey)),
  };
}

/** A document's two capability keys. */
export interface TestCaps {
  readonly write: TestKey;
  readonly read: TestKey;
}

export const testCaps = (): TestCaps => ({ write: testKey(), read: testKey() });
