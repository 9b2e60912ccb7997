/**
 * Ephemeral payloads signed by the sending device itself. Presence and stream
 * frames are sealed under a document key that every member of its scope
 * holds, and their sender is the one the relay names: a hostile relay with
 * the help of any key holder could otherwise make up what a device says. So
 * a message that others act on or show as that device's (a gateway's
 * announcement, an agent's live reply text) travels with the sender's
 * Ed25519 signature (a device id is its public key) over a context naming
 * its purpose and document, checked by the reader against the `from` it got.
 *
 *   payload = signature (64 bytes) || message
 *   signed  = context || "\n" || doc || "\n" || message
 */
import { concatBytes, type Context, utf8 } from '../crypto/bytes.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import type { DeviceIdentity } from '../crypto/keys.ts';
import { publicKeyOfDevice, type DeviceId, type DocId } from '../ids.ts';

const SIGNATURE_BYTES = 64;

const signedBytes = (context: Context, doc: DocId, message: Uint8Array): Uint8Array => concatBytes(utf8(`${context}\n${doc}\n`), message);

/** `message` signed by `identity` for `context` on document `doc`. */
export function signAsDevice(crypto: CryptoProvider, identity: DeviceIdentity, context: Context, doc: DocId, message: Uint8Array): Uint8Array {
  return concatBytes(crypto.sign(signedBytes(context, doc, message), identity.signSecretKey.expose()), message);
}

/** The message in a payload whose signature by `from` for `context` on `doc` verifies, else null. */
export function openAsDevice(crypto: CryptoProvider, context: Context, doc: DocId, from: DeviceId, payload: Uint8Array): Uint8Array | null {
  if (payload.length <= SIGNATURE_BYTES) return null;
  let key: Uint8Array;
  try {
    key = publicKeyOfDevice(from);
  } catch {
    return null;
  }
  const message = payload.subarray(SIGNATURE_BYTES);
  return crypto.verify(payload.subarray(0, SIGNATURE_BYTES), signedBytes(context, doc, message), key) ? message : null;
}

/** This device's signing, and the check of others', for one kind of payload. */
export interface DeviceSigner {
  readonly self: DeviceId;
  sign(doc: DocId, message: Uint8Array): Uint8Array;
  open(doc: DocId, from: DeviceId, payload: Uint8Array): Uint8Array | null;
}

export function deviceSigner(crypto: CryptoProvider, identity: DeviceIdentity, context: Context): DeviceSigner {
  return {
    self: identity.deviceId,
    sign: (doc, message) => signAsDevice(crypto, identity, context, doc, message),
    open: (doc, from, payload) => openAsDevice(crypto, context, doc, from, payload),
  };
}
