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
import type { CryptoProvider } from '../crypto/provider.ts';
import type { DeviceIdentity } from '../crypto/keys.ts';
import { publicKeyOfDevice, type DeviceId, type DocId } from '../ids.ts';

const SIGNATURE_BYTES = 64;

function signedBytes(context: string, doc: DocId, message: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(`${context}\n${doc}\n`);
  const out = new Uint8Array(head.length + message.length);
  out.set(head);
  out.set(message, head.length);
  return out;
}

/** `message` signed by `identity` for `context` on document `doc`. */
export function signAsDevice(crypto: CryptoProvider, identity: DeviceIdentity, context: string, doc: DocId, message: Uint8Array): Uint8Array {
  const signature = crypto.sign(signedBytes(context, doc, message), identity.signSecretKey.expose());
  const out = new Uint8Array(SIGNATURE_BYTES + message.length);
  out.set(signature);
  out.set(message, SIGNATURE_BYTES);
  return out;
}

/** The message in a payload whose signature by `from` for `context` on `doc` verifies, else null. */
export function openAsDevice(crypto: CryptoProvider, context: string, doc: DocId, from: DeviceId, payload: Uint8Array): Uint8Array | null {
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

export function deviceSigner(crypto: CryptoProvider, identity: DeviceIdentity, context: string): DeviceSigner {
  return {
    self: identity.deviceId,
    sign: (doc, message) => signAsDevice(crypto, identity, context, doc, message),
    open: (doc, from, payload) => openAsDevice(crypto, context, doc, from, payload),
  };
}
