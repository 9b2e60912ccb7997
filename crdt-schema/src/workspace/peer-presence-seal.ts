/**
 * Peer presence is signed by the sending device itself. The presence frame
 * is sealed under the index document's key, which every member (a viewer
 * too) holds, and its sender is the one the relay names: a hostile relay
 * with the help of any key holder could otherwise make up a gateway's or a
 * worker's announcement. So the JSON message travels with its sender's
 * Ed25519 signature (a device id is its public key) over a context naming
 * the index document, and a reader checks it against the `from` it got.
 *
 *   payload = signature (64 bytes) || message (UTF-8 JSON)
 *   signed  = "tendril/peer-presence/v1\n" || doc || "\n" || message
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import type { DeviceIdentity } from '../crypto/keys.ts';
import { publicKeyOfDevice, type DeviceId, type DocId } from '../ids.ts';

const SIGNATURE_BYTES = 64;

const signed = (doc: DocId, message: Uint8Array): Uint8Array => {
  const head = new TextEncoder().encode(`tendril/peer-presence/v1\n${doc}\n`);
  const out = new Uint8Array(head.length + message.length);
  out.set(head);
  out.set(message, head.length);
  return out;
};

/** The presence payload for `message`, signed by `identity` for the index document `doc`. */
export function signPeerPresence(crypto: CryptoProvider, identity: DeviceIdentity, doc: DocId, message: Uint8Array): Uint8Array {
  const signature = crypto.sign(signed(doc, message), identity.signSecretKey.expose());
  const out = new Uint8Array(SIGNATURE_BYTES + message.length);
  out.set(signature);
  out.set(message, SIGNATURE_BYTES);
  return out;
}

/** The message in a payload whose signature by `from` for `doc` verifies, else null. */
export function openPeerPresence(crypto: CryptoProvider, doc: DocId, from: DeviceId, payload: Uint8Array): Uint8Array | null {
  if (payload.length <= SIGNATURE_BYTES) return null;
  let key: Uint8Array;
  try {
    key = publicKeyOfDevice(from);
  } catch {
    return null;
  }
  const message = payload.subarray(SIGNATURE_BYTES);
  return crypto.verify(payload.subarray(0, SIGNATURE_BYTES), signed(doc, message), key) ? message : null;
}
