/**
 * Confirmed pairing: the messages a joining device and an online inviter
 * exchange through relay blobs before the invite's keys can be opened.
 *
 * - The request (joiner -> inviter) names the joiner's device key and box key,
 *   signed by the device key, and is sealed under `kdf(secret, "tendril/pairing/request-seal")`
 *   with the token bytes as associated data: the relay can neither read it
 *   nor put another device's keys in it. It is parked under
 *   `base64url(BLAKE2b(key = secret, "tendril/pairing/request-blob"))`.
 * - The answer (inviter -> joiner) releases the 32-byte release secret or
 *   says no. It is sealed under `kdf(secret, "tendril/pairing/answer-seal")`
 *   (associated data: token bytes || joiner key), then in a sealed box to the
 *   joiner's box key, so only the link holder that made the request reads it
 *   and the relay cannot forge a rejection. It is parked under
 *   `base64url(BLAKE2b(key = secret, "tendril/pairing/answer-blob" || joiner key))`.
 *
 * Request layout: u8 version (=1) | 24-byte nonce | AEAD(32-byte device key | 32-byte box key | 64-byte signature)
 * Answer layout:  u8 version (=1) | sealed box(24-byte nonce | AEAD(u8 verdict (1 release, 2 reject) | 32 bytes))
 */
import { TendrilError } from '../errors.ts';
import { deviceIdFromPublicKey, publicKeyOfDevice, toBase64Url, type DeviceId } from '../ids.ts';
import { concatBytes, Context, utf8, withContext } from './bytes.ts';
import type { DeviceIdentity } from './keys.ts';
import type { CryptoProvider } from './provider.ts';
import { secret, type Secret } from './secret.ts';

const VERSION = 1;
const RELEASE = 1;
const REJECT = 2;

/** The joining device as its request names it. */
export interface PairingRequest {
  readonly device: DeviceId;
  readonly boxPublicKey: Uint8Array;
  /** The name the person gave the joining device (at most MAX_PAIRING_NAME_BYTES of UTF-8; may be empty). */
  readonly name: string;
}

export const MAX_PAIRING_NAME_BYTES = 100;

/** The name's UTF-8, cut at a character boundary to fit. */
function nameBytes(name: string): Uint8Array {
  let bytes = utf8(name);
  for (let cut = name.length; bytes.length > MAX_PAIRING_NAME_BYTES; ) bytes = utf8(name.slice(0, --cut));
  return bytes;
}

/** What the inviter answered: the release secret, or a rejection. */
export type PairingAnswer = { readonly release: Secret<Uint8Array> } | { readonly rejected: true };

const invalid = (why: string): TendrilError => new TendrilError('E_INVITE_INVALID', `pairing: ${why}`);

/** Where the joiner parks its request. */
export function pairingRequestBlobKey(crypto: CryptoProvider, inviteSecret: Secret<Uint8Array>): string {
  return toBase64Url(crypto.hash(utf8(Context.pairingRequestBlob), 32, inviteSecret.expose()));
}

/** Where the inviter parks its answer to `joiner`. */
export function pairingAnswerBlobKey(crypto: CryptoProvider, inviteSecret: Secret<Uint8Array>, joiner: DeviceId): string {
  return toBase64Url(crypto.hash(concatBytes(utf8(Context.pairingAnswerBlob), publicKeyOfDevice(joiner)), 32, inviteSecret.expose()));
}

export function sealPairingRequest(crypto: CryptoProvider, inviteSecret: Secret<Uint8Array>, tokenBytes: Uint8Array, joiner: DeviceIdentity, name = ''): Uint8Array {
  const named = nameBytes(name);
  const signature = crypto.sign(withContext(Context.pairingRequest, tokenBytes, joiner.signPublicKey, joiner.boxPublicKey, named), joiner.signSecretKey.expose());
  const nonce = crypto.randomBytes(24);
  const key = crypto.kdf(inviteSecret.expose(), Context.pairingRequestSeal);
  return concatBytes(Uint8Array.of(VERSION), nonce, crypto.aeadSeal(concatBytes(joiner.signPublicKey, joiner.boxPublicKey, signature, named), tokenBytes, nonce, key));
}

/** `E_INVITE_INVALID` when the request was not made with this link or its signature does not verify. */
export function openPairingRequest(crypto: CryptoProvider, inviteSecret: Secret<Uint8Array>, tokenBytes: Uint8Array, blob: Uint8Array): PairingRequest {
  const fixed = 1 + 24 + 128 + 16;
  if (blob.length < fixed || blob.length > fixed + MAX_PAIRING_NAME_BYTES || blob[0] !== VERSION) throw invalid('malformed request');
  const key = crypto.kdf(inviteSecret.expose(), Context.pairingRequestSeal);
  const plain = crypto.aeadOpen(blob.subarray(25), tokenBytes, blob.subarray(1, 25), key);
  if (plain === null) throw invalid('the request was not made with this invite');
  const signPublicKey = plain.subarray(0, 32);
  const boxPublicKey = plain.slice(32, 64);
  const named = plain.subarray(128);
  if (!crypto.verify(plain.subarray(64, 128), withContext(Context.pairingRequest, tokenBytes, signPublicKey, boxPublicKey, named), signPublicKey)) {
    throw invalid('the request signature does not verify');
  }
  let name: string;
  try {
    name = new TextDecoder('utf-8', { fatal: true }).decode(named);
  } catch {
    throw invalid('the device name is not UTF-8');
  }
  return { device: deviceIdFromPublicKey(signPublicKey.slice()), boxPublicKey, name };
}

export function sealPairingAnswer(crypto: CryptoProvider, inviteSecret: Secret<Uint8Array>, tokenBytes: Uint8Array, to: PairingRequest, answer: PairingAnswer): Uint8Array {
  const body = 'release' in answer ? concatBytes(Uint8Array.of(RELEASE), answer.release.expose()) : concatBytes(Uint8Array.of(REJECT), new Uint8Array(32));
  const nonce = crypto.randomBytes(24);
  const key = crypto.kdf(inviteSecret.expose(), Context.pairingAnswerSeal);
  const inner = concatBytes(nonce, crypto.aeadSeal(body, concatBytes(tokenBytes, publicKeyOfDevice(to.device)), nonce, key));
  return concatBytes(Uint8Array.of(VERSION), crypto.boxSeal(inner, to.boxPublicKey));
}

/** Opens the answer as the joining device; `E_INVITE_INVALID` when it does not open. */
export function openPairingAnswer(crypto: CryptoProvider, inviteSecret: Secret<Uint8Array>, tokenBytes: Uint8Array, joiner: DeviceIdentity, blob: Uint8Array): PairingAnswer {
  if (blob[0] !== VERSION) throw invalid('malformed answer');
  const inner = crypto.boxSealOpen(blob.subarray(1), { publicKey: joiner.boxPublicKey, secretKey: joiner.boxSecretKey.expose() });
  if (inner === null || inner.length !== 24 + 33 + 16) throw invalid('the answer is not for this device');
  const key = crypto.kdf(inviteSecret.expose(), Context.pairingAnswerSeal);
  const body = crypto.aeadOpen(inner.subarray(24), concatBytes(tokenBytes, joiner.signPublicKey), inner.subarray(0, 24), key);
  if (body === null) throw invalid('the answer was not made with this invite');
  if (body[0] === RELEASE) return { release: secret(body.slice(1)) };
  if (body[0] === REJECT) return { rejected: true };
  throw invalid('unknown verdict');
}
