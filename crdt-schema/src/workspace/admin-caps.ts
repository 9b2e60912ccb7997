/**
 * Admin-signed capability changes (SetCaps). Only a workspace admin may change
 * a document's capability keys on the relay, and its change overrides
 * whatever keys are there: a revocation moves every document to new keys,
 * and an admin whose document was registered or changed by someone else takes
 * it back (`reclaimDoc`, used automatically when the admin's subscribe meets
 * E_DOC_EXISTS).
 */
import type { DeviceIdentity } from '../crypto/keys.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { TendrilError } from '../errors.ts';
import type { DocId, WorkspaceId } from '../ids.ts';
import type { RelayClient } from '../sync/relay-client.ts';
import { FrameType, setCapsBytes } from '../wire/index.ts';

export interface CapsChangeRequest {
  readonly workspace: WorkspaceId;
  readonly doc: DocId;
  readonly writeKey: Uint8Array;
  readonly readKey: Uint8Array;
  /** Device public keys that may still read with the replaced keys (the remaining members); none for a reclaim. */
  readonly readers: readonly Uint8Array[];
}

/** Sends the admin's SetCaps on the open connection; E_OFFLINE when it is not open. */
export function sendAdminSetCaps(crypto: CryptoProvider, relay: RelayClient, admin: DeviceIdentity, c: CapsChangeRequest): void {
  const nonce = relay.nonce;
  if (!nonce) throw new TendrilError('E_OFFLINE', 'changing capability keys needs an open relay connection');
  const proof = crypto.sign(setCapsBytes(nonce, c), admin.signSecretKey.expose());
  relay.sendFrame({ type: FrameType.SetCaps, doc: c.doc, ref: 0, writeKey: c.writeKey, readKey: c.readKey, readers: [...c.readers], admin: admin.deviceId, proof });
}
