/**
 * Creating a workspace: a fresh device identity becomes the first admin, with
 * new scope keys and the three well-known documents. `initializeWorkspace`
 * then writes the index (workspace info and the admin's signed membership)
 * and opens settings and permissions, all locally: the relay registers the
 * workspace on the first connection that succeeds.
 */
import type { CryptoProvider } from '../../crypto/provider.ts';
import { generateDeviceIdentity, type DeviceIdentity } from '../../crypto/keys.ts';
import { newDocId, newWorkspaceId } from '../../ids.ts';
import { generateWorkspaceKeys, type WorkspaceKeys } from '../../keyring/workspace-keys.ts';
import type { HomeConfig } from '../home.ts';
import { signMemberCert } from '../membership.ts';
import type { WorkspaceSession } from '../session.ts';
import { httpUrl, syncUrl } from '../urls.ts';

export interface NewWorkspace {
  readonly identity: DeviceIdentity;
  readonly config: HomeConfig;
  readonly keys: WorkspaceKeys;
}

export function newWorkspace(crypto: CryptoProvider, o: { relay: string; deviceName: string; workspaceName?: string }): NewWorkspace {
  const identity = generateDeviceIdentity(crypto);
  const workspace = newWorkspaceId();
  return {
    identity,
    keys: generateWorkspaceKeys(crypto, workspace),
    config: {
      v: 1,
      workspace,
      workspaceName: o.workspaceName ?? `${o.deviceName}'s workspace`,
      relay: httpUrl(o.relay),
      deviceName: o.deviceName,
      role: 'admin',
      rootAdmins: [identity.deviceId],
      docs: { index: newDocId(), settings: newDocId(), permissions: newDocId() },
      registered: false,
    },
  };
}

/** Writes the first state of a new workspace through an open session of its creator. */
export async function initializeWorkspace(crypto: CryptoProvider, session: WorkspaceSession): Promise<void> {
  const { identity, config } = session.home;
  const ws = session.workspace();
  ws.init({ id: config.workspace, name: config.workspaceName, createdBy: identity.deviceId });
  const cert = signMemberCert(crypto, { workspace: config.workspace, device: identity.deviceId, role: 'admin', boxPublicKey: identity.boxPublicKey, via: { admin: identity.deviceId } }, identity);
  ws.members.add({ device: identity.deviceId, name: config.deviceName, role: 'admin', boxPublicKey: identity.boxPublicKey, addedBy: identity.deviceId, cert });
  const { settings } = await session.openSettings();
  settings.setRelayUrl(syncUrl(config.relay));
  await session.openPermissions();
}
