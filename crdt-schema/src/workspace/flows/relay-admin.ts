/**
 * Making a new admin device an admin at the relay as well (the relay's admin
 * list is fixed at registration otherwise): a device restored from an admin's
 * backup holds that admin's identity, which signs the new device's key in an
 * AddAdmin frame. Afterwards the relay honours the new device's revocations.
 */
import type { DeviceIdentity } from '../../crypto/keys.ts';
import type { CryptoProvider } from '../../crypto/provider.ts';
import { addAdminBytes, enrolBytes } from '../../wire/proofs.ts';
import type { WorkspaceSession } from '../session.ts';

/** Sends the AddAdmin frame signed by `by` (a registered admin) for this session's device. */
export async function registerRelayAdmin(crypto: CryptoProvider, session: WorkspaceSession, by: DeviceIdentity): Promise<void> {
  const workspace = session.home.config.workspace;
  const key = session.home.identity.signPublicKey;
  await session.peer.relay.addAdmin({ workspace, key, admin: by.deviceId, signature: crypto.sign(addAdminBytes(workspace, key), by.signSecretKey.expose()) });
  // Writes refused before (not a member yet: E_NOT_MEMBER) go out again on a fresh connection, once
  // the relay has handled the AddAdmin (a round trip: it answers a connection's frames in order).
  await session.peer.relay.takeBlob(`tendril-barrier-${crypto.randomBytes(8).join('')}`);
  session.peer.relay.reconnect();
}

/**
 * Makes a device a member at the relay by this admin's signature (Enrol, admin form): for a device
 * that joined without an invite the relay saw, e.g. one set up by hand from an admin's keys.
 */
export async function enrolAtRelay(crypto: CryptoProvider, admin: WorkspaceSession, deviceKey: Uint8Array): Promise<void> {
  const workspace = admin.home.config.workspace;
  const me = admin.home.identity;
  await admin.peer.relay.enrol({ workspace, device: deviceKey, signer: me.deviceId, token: new Uint8Array(0), signature: crypto.sign(enrolBytes(workspace, deviceKey), me.signSecretKey.expose()) });
}
