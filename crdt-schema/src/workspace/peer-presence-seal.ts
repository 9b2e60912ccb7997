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
import type { DeviceId, DocId } from '../ids.ts';
import { Context } from '../crypto/bytes.ts';
import { openAsDevice, signAsDevice } from './device-signed.ts';

const CONTEXT = Context.peerPresence;

/** The presence payload for `message`, signed by `identity` for the index document `doc`. */
export function signPeerPresence(crypto: CryptoProvider, identity: DeviceIdentity, doc: DocId, message: Uint8Array): Uint8Array {
  return signAsDevice(crypto, identity, CONTEXT, doc, message);
}

/** The message in a payload whose signature by `from` for `doc` verifies, else null. */
export function openPeerPresence(crypto: CryptoProvider, doc: DocId, from: DeviceId, payload: Uint8Array): Uint8Array | null {
  return openAsDevice(crypto, CONTEXT, doc, from, payload);
}
