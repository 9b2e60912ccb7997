/**
 * Making a new admin device an admin at the relay as well (the relay's admin
 * list is fixed at registration otherwise): a device restored from an admin's
 * backup holds that admin's identity, which signs the new device's key in an
 * AddAdmin frame. Afterwards the relay honours the new device's revocations.
 */
import type { DeviceIdentity } from '../../crypto/keys.ts';
import type { CryptoProvider } from '../../crypto/provider.ts';
import { addAdminBytes } from '../../wire/proofs.ts';
import type { WorkspaceSession } from '../session.ts';

/** Sends the AddAdmin frame signed by `by` (a registered admin) for this session's device. */
export async function registerRelayAdmin(crypto: CryptoProvider, session: WorkspaceSession, by: DeviceIdentity): Promise<void> {
  const workspace = session.home.config.workspace;
  const key = session.home.identity.signPublicKey;
  await session.peer.relay.addAdmin({ workspace, key, admin: by.deviceId, signature: crypto.sign(addAdminBytes(workspace, key), by.signSecretKey.expose()) });
}
