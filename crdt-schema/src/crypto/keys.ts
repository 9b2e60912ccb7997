/**
 * Device identities: the Ed25519 pair a device signs with (its public key is
 * its DeviceId) and an independent X25519 pair lockboxes are sealed to.
 * The two pairs come from separate seeds; no key is converted between curves.
 */
import { TendrilError } from '../errors.ts';
import { deviceIdFromPublicKey, fromBase64Url, parseDeviceId, toBase64Url, type DeviceId } from '../ids.ts';
import type { CryptoProvider, KeyPair } from './provider.ts';
import { secret, type Secret } from './secret.ts';

/** A device's own keys. Only the device itself ever holds this object. */
export interface DeviceIdentity {
  readonly deviceId: DeviceId;
  readonly signPublicKey: Uint8Array;
  /** Ed25519 secret key, libsodium layout (seed || public key, 64 bytes). */
  readonly signSecretKey: Secret<Uint8Array>;
  readonly boxPublicKey: Uint8Array;
  readonly boxSecretKey: Secret<Uint8Array>;
}

/** What other devices know about a device: enough to verify it and seal lockboxes to it. */
export interface DevicePublicKeys {
  readonly deviceId: DeviceId;
  readonly boxPublicKey: Uint8Array;
}

/** JSON-safe form. Contains secret keys in base64url: store it encrypted only. */
export interface DeviceIdentityJSON {
  readonly v: 1;
  readonly deviceId: string;
  /** Base64url of the 32-byte Ed25519 seed. */
  readonly signSeed: string;
  /** Base64url of the 32-byte X25519 secret key. */
  readonly boxSecretKey: string;
}

/** A fresh identity from two independent random seeds. */
export function generateDeviceIdentity(crypto: CryptoProvider): DeviceIdentity {
  return identityFromPairs(crypto.signKeyPair(), crypto.boxKeyPair());
}

/** The identity derived from fixed seeds (invite identities, tests). */
export function deviceIdentityFromSeeds(crypto: CryptoProvider, signSeed: Uint8Array, boxSeed: Uint8Array): DeviceIdentity {
  if (signSeed.length !== 32 || boxSeed.length !== 32) throw new TendrilError('E_BAD_INPUT', 'identity seeds have 32 bytes');
  return identityFromPairs(crypto.signKeyPair(signSeed), crypto.boxKeyPair(boxSeed));
}

function identityFromPairs(sign: KeyPair, box: KeyPair): DeviceIdentity {
  return {
    deviceId: deviceIdFromPublicKey(sign.publicKey),
    signPublicKey: sign.publicKey,
    signSecretKey: secret(sign.secretKey),
    boxPublicKey: box.publicKey,
    boxSecretKey: secret(box.secretKey),
  };
}

/** The public half, to publish in the workspace member list. */
export function devicePublicKeys(identity: DeviceIdentity): DevicePublicKeys {
  return { deviceId: identity.deviceId, boxPublicKey: identity.boxPublicKey };
}

/** The X25519 pair as the provider's box functions take it. */
export function boxKeyPairOf(identity: DeviceIdentity): KeyPair {
  return { publicKey: identity.boxPublicKey, secretKey: identity.boxSecretKey.expose() };
}

export function deviceIdentityToJSON(identity: DeviceIdentity): DeviceIdentityJSON {
  return {
    v: 1,
    deviceId: identity.deviceId,
    signSeed: toBase64Url(identity.signSecretKey.expose().subarray(0, 32)),
    boxSecretKey: toBase64Url(identity.boxSecretKey.expose()),
  };
}

/**
 * Rebuilds an identity, re-deriving both public keys from the secrets and
 * checking the stored device id against them. Throws `E_BAD_INPUT`.
 */
export function deviceIdentityFromJSON(crypto: CryptoProvider, json: unknown): DeviceIdentity {
  const j = json as Partial<Record<keyof DeviceIdentityJSON, unknown>> | null;
  if (typeof j !== 'object' || j === null || j.v !== 1) throw new TendrilError('E_BAD_INPUT', 'not a serialized device identity');
  if (typeof j.signSeed !== 'string' || typeof j.boxSecretKey !== 'string') {
    throw new TendrilError('E_BAD_INPUT', 'device identity lacks its secret keys');
  }
  const signSeed = fromBase64Url(j.signSeed);
  const boxSecret = fromBase64Url(j.boxSecretKey);
  if (signSeed.length !== 32 || boxSecret.length !== 32) throw new TendrilError('E_BAD_INPUT', 'device identity keys have the wrong length');
  const sign = crypto.signKeyPair(signSeed);
  const boxPublicKey = crypto.boxPublicKey(boxSecret);
  const identity = identityFromPairs(sign, { publicKey: boxPublicKey, secretKey: boxSecret });
  if (identity.deviceId !== parseDeviceId(j.deviceId)) {
    throw new TendrilError('E_BAD_INPUT', 'device identity id does not match its keys');
  }
  return identity;
}

