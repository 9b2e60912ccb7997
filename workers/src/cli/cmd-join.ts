/**
 * `tendril join --home DIR LINK [--name NAME]`: redeems an invite link. It
 * verifies the token, takes (and so deletes) the sealed key material from the
 * relay, stores the keys the invite grants, syncs the workspace index, and
 * enrolls this device with a membership certificate signed by the invite's
 * one-time enrollment key. Exits 0 once keys arrived and the index is synced.
 */
import { hostname } from 'node:os';
import { generateDeviceIdentity, inviteBlobKey, inviteIdentity, loadCrypto, openInviteLockboxes, openInvitePayload, parseInviteLink, pairingCode, verifyInviteToken } from '@tendril/crdt-schema/crypto';
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { DeviceId, DocId } from '@tendril/crdt-schema/ids';
import { ALL_SCOPES, canWrite, Scope, scopeKeyId } from '@tendril/crdt-schema/keyring';
import type { DocKeys } from '@tendril/crdt-schema/crypto';
import { RelayClient, type WebSocketConstructor } from '@tendril/crdt-schema/sync';
import { signMemberCert } from '@tendril/crdt-schema/workspace';
import WebSocket from 'ws';
import { createHome, httpUrl, type WellKnownDocs } from '../home/device-home.ts';
import { NodePeer } from '../peer/node-peer.ts';
import { flag, parseArgs } from './args.ts';
import { homeDir, seconds, type CliContext } from './context.ts';

export async function cmdJoin(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'name', 'timeout'] });
  const [link] = args.positionals;
  if (!link) throw new TendrilError('E_BAD_INPUT', 'usage: tendril join --home DIR LINK');
  const dir = homeDir(ctx, args);
  const timeout = seconds(args, 'timeout', 30);
  const crypto = await loadCrypto();
  const parsed = parseInviteLink(link);
  const token = verifyInviteToken(crypto, parsed.tokenBytes, { now: ctx.now() });
  const identity = generateDeviceIdentity(crypto);

  // Take the sealed keys from the relay: one connection as the new device, no workspace registration.
  const relay = new RelayClient({
    url: token.relayUrl,
    workspace: token.workspace,
    device: { id: identity.deviceId, publicKey: identity.signPublicKey, sign: (m) => crypto.sign(m, identity.signSecretKey.expose()) },
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    clientName: 'tendril-cli',
  });
  relay.connect();
  let blob: Uint8Array | null;
  try {
    await relay.whenOpen(timeout);
    blob = await relay.takeBlob(inviteBlobKey(crypto, parsed.secret));
  } finally {
    relay.destroy();
  }
  if (!blob) throw new TendrilError('E_INVITE_USED', 'this invite was already used or has expired on the relay');
  const payload = openInvitePayload(crypto, parsed.secret, parsed.tokenBytes, blob);
  const keysById = new Map<DocId, DocKeys>(openInviteLockboxes(crypto, token, parsed.secret, payload).map((k) => [k.doc, k]));
  const keys = new Map<Scope, DocKeys>();
  for (const scope of ALL_SCOPES) {
    const k = keysById.get(scopeKeyId(crypto, token.workspace, scope));
    if (k) keys.set(scope, k);
  }
  const info = payload.info as { rootAdmins?: DeviceId[]; docs?: WellKnownDocs };
  if (!info.docs || !Array.isArray(info.rootAdmins) || keys.size === 0) throw new TendrilError('E_INVITE_INVALID', 'the invite payload lacks the workspace documents or keys');
  const deviceName = flag(args, 'name') ?? hostname();
  const home = createHome(
    crypto,
    dir,
    identity,
    {
      v: 1,
      workspace: token.workspace,
      workspaceName: payload.workspace.name,
      relay: httpUrl(token.relayUrl),
      deviceName,
      role: token.role,
      rootAdmins: info.rootAdmins,
      docs: info.docs,
      registered: true,
    },
    keys,
  );
  const peer = await NodePeer.open(crypto, home, { clientName: 'tendril-cli' });
  try {
    if ((await peer.syncOrQueue(timeout)) !== 'synced') throw new TendrilError('E_TIMEOUT', 'the workspace index did not sync in time');
    // A viewer cannot append to the index, so it is not listed as a member (see docs/THREAT_MODEL.md).
    if (canWrite(token.role, Scope.Index)) {
      const cert = signMemberCert(
        crypto,
        { workspace: token.workspace, device: identity.deviceId, role: token.role, boxPublicKey: identity.boxPublicKey, via: { inviteToken: parsed.tokenBytes } },
        inviteIdentity(crypto, parsed.secret),
      );
      peer.workspace().members.add({ device: identity.deviceId, name: deviceName, role: token.role, boxPublicKey: identity.boxPublicKey, addedBy: token.issuer, cert });
      if ((await peer.syncOrQueue(timeout)) !== 'synced') throw new TendrilError('E_TIMEOUT', 'the enrollment did not reach the relay in time');
    }
    ctx.io.out(`pairing code ${pairingCode(crypto, parsed.secret, token.issuer, identity.deviceId)}`);
    ctx.io.out(`joined workspace ${token.workspace} as ${token.role} ${identity.deviceId}`);
    return 0;
  } finally {
    await peer.close();
  }
}
