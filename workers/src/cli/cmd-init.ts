/**
 * `tendril init --home DIR --relay URL [--name NAME]`: a new workspace with
 * this device as its first admin. Works offline: the workspace is registered
 * on the relay on the first connection that succeeds.
 */
import { hostname } from 'node:os';
import { generateDeviceIdentity, loadCrypto } from '@tendril/crdt-schema/crypto';
import { newDocId, newWorkspaceId } from '@tendril/crdt-schema/ids';
import { generateWorkspaceKeys } from '@tendril/crdt-schema/keyring';
import { signMemberCert } from '@tendril/crdt-schema/workspace';
import { createHome, httpUrl, syncUrl } from '../home/device-home.ts';
import { NodePeer } from '../peer/node-peer.ts';
import { flag, parseArgs, requireFlag } from './args.ts';
import { homeDir, type CliContext } from './context.ts';

export async function cmdInit(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'relay', 'name', 'workspace-name'] });
  const dir = homeDir(ctx, args);
  const relay = httpUrl(requireFlag(args, 'relay'));
  const deviceName = flag(args, 'name') ?? hostname();
  const crypto = await loadCrypto();
  const identity = generateDeviceIdentity(crypto);
  const workspace = newWorkspaceId();
  const home = createHome(
    crypto,
    dir,
    identity,
    {
      v: 1,
      workspace,
      workspaceName: flag(args, 'workspace-name') ?? `${deviceName}'s workspace`,
      relay,
      deviceName,
      role: 'admin',
      rootAdmins: [identity.deviceId],
      docs: { index: newDocId(), settings: newDocId(), permissions: newDocId() },
      registered: false,
    },
    generateWorkspaceKeys(crypto, workspace),
  );
  const peer = await NodePeer.open(crypto, home, { clientName: 'tendril-cli' });
  try {
    const ws = peer.workspace();
    ws.init({ id: workspace, name: home.config.workspaceName, createdBy: identity.deviceId });
    const cert = signMemberCert(crypto, { workspace, device: identity.deviceId, role: 'admin', boxPublicKey: identity.boxPublicKey, via: { admin: identity.deviceId } }, identity);
    ws.members.add({ device: identity.deviceId, name: deviceName, role: 'admin', boxPublicKey: identity.boxPublicKey, addedBy: identity.deviceId, cert });
    const { settings } = await peer.openSettings();
    settings.setRelayUrl(syncUrl(relay));
    await peer.openPermissions();
    const result = await peer.syncOrQueue(8000);
    ctx.io.out(`device ${identity.deviceId}`);
    ctx.io.out(result === 'synced' ? `registered on relay ${relay}` : `relay ${relay} not reachable: the workspace is registered on the next sync`);
    ctx.io.out(`workspace ${workspace}`);
    return 0;
  } finally {
    await peer.close();
  }
}
