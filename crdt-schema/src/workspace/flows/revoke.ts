/**
 * Revoking a device (admin only). In order: the relay gets the signed
 * revocation and must accept it (it refuses the device from now on; a device
 * the relay does not know as an admin stops here, before anything rotates);
 * an admin-signed revocation goes into the index (peers then refuse the
 * device's envelopes sealed at the new epoch); every scope key rotates; the new keys are sealed to each remaining
 * member in lockboxes in the index (written under the old keys, which those
 * members hold); the relay gets the signed revocation (it refuses the device
 * from now on); and every document except the index gets new capability keys
 * on the relay, so the device's old capabilities stop working as well.
 */
import type { CryptoProvider } from '../../crypto/index.ts';
import { sealLockbox } from '../../crypto/index.ts';
import { TendrilError } from '../../errors.ts';
import type { DeviceId } from '../../ids.ts';
import { keyEpoch, publicKeyOfDevice } from '../../ids.ts';
import { keysForRole, rotateWorkspaceKeys, scopeKeyId, Scope, deriveDocKeys } from '../../keyring/index.ts';
import { revokeBytes } from '../../wire/index.ts';
import { sendAdminSetCaps } from '../admin-caps.ts';
import { reissueDocGrants } from '../doc-grants.ts';
import { signRevocation } from '../membership.ts';
import type { WorkspaceSession } from '../session.ts';
import type { RelayClient } from '../../sync/relay-client.ts';
import type { SyncProblem } from '../../sync/status.ts';


export async function revokeDevice(crypto: CryptoProvider, peer: WorkspaceSession, device: DeviceId, now: number): Promise<void> {
  const { home } = peer;
  const me = home.identity;
  if (home.config.role !== 'admin') throw new TendrilError('E_FORBIDDEN', 'only an admin device can revoke');
  if (device === me.deviceId) throw new TendrilError('E_BAD_INPUT', 'a device cannot revoke itself');
  const ws = peer.workspace();
  if (!ws.members.get(device)) throw new TendrilError('E_BAD_INPUT', `no member ${device}`);
  await peer.openAll();
  if ((await peer.syncOrQueue(15_000)) !== 'synced') throw new TendrilError('E_OFFLINE', 'revocation needs the relay: it could not be reached');
  const relay = peer.peer.relay;
  await relayAccepts(relay, () => relay.revoke({ workspace: home.config.workspace, device, at: now, admin: me.deviceId, signature: crypto.sign(revokeBytes(home.config.workspace, device, now), me.signSecretKey.expose()) }));

  const oldKeys = home.keys;
  const newKeys = rotateWorkspaceKeys(crypto, oldKeys);
  const epoch = Math.max(...[...newKeys.values()].map((k) => k.current));
  const cert = signRevocation(crypto, { workspace: home.config.workspace, device, epoch, admin: me.deviceId }, me);
  ws.members.revoke(device, { by: me.deviceId, epoch, cert });
  for (const m of ws.members.list()) {
    if (m.device === me.deviceId || m.device === device) continue;
    for (const [scope, keys] of keysForRole(newKeys, m.role)) {
      const sealed = sealLockbox(crypto, { keys, from: keys.current, to: keys.current, write: keys.writeCap.secretKey !== null, sender: me, recipient: { deviceId: m.device, boxPublicKey: m.boxPublicKey } });
      ws.lockboxes.put(scopeKeyId(crypto, home.config.workspace, scope), keyEpoch(keys.current), m.device, sealed);
    }
  }
  // Single-document grants (a worker's terminal session) move to the new epoch with the rest.
  const sessionDocs = new Set(ws.sessions.list().map((e) => e.docId));
  reissueDocGrants({
    crypto, sender: me, keys: newKeys, index: ws, directory: peer.members, workspace: home.config.workspace,
    scopeOfDoc: (doc) => (sessionDocs.has(doc) ? Scope.Terminals : peer.scopeOf(doc)),
  });
  if ((await peer.syncOrQueue(15_000)) !== 'synced') throw new TendrilError('E_OFFLINE', 'the revocation did not reach the relay');

  const readers = ws.members.list().filter((m) => m.device !== device && !m.revokedAt).map((m) => publicKeyOfDevice(m.device));
  for (const sync of peer.peer.docs()) {
    const scope = peer.scopeOf(sync.doc);
    const rotated = scope ? newKeys.get(scope) : undefined;
    if (!rotated) continue;
    const after = deriveDocKeys(crypto, rotated, sync.doc);
    if (!after.writeCap) continue;
    sendAdminSetCaps(crypto, relay, me, { workspace: home.config.workspace, doc: sync.doc, writeKey: after.writeCap.publicKey, readKey: after.readCap.publicKey, readers });
  }
  await home.saveKeys(newKeys);
  relay.reconnect();
  if ((await peer.syncOrQueue(15_000)) !== 'synced') throw new TendrilError('E_TIMEOUT', 'documents did not resync under the new keys');
}

/**
 * Sends a silent admin frame, then a round trip (a BlobTake of a key nobody uses: the relay answers
 * a connection's frames in order), and throws the relay's refusal if one arrived in between.
 */
async function relayAccepts(relay: RelayClient, send: () => Promise<void>): Promise<void> {
  let refused: SyncProblem | null = null;
  const onProblem = (p: SyncProblem): void => {
    if (p.code === 'E_FORBIDDEN' || p.code === 'E_AUTH_FAILED') refused ??= p;
  };
  relay.on('problem', onProblem);
  try {
    await send();
    await relay.takeBlob(`tendril-barrier-${Date.now()}-${Math.random()}`);
  } finally {
    relay.off('problem', onProblem);
  }
  if (refused) {
    throw new TendrilError('E_FORBIDDEN', `the relay refused the revocation (${(refused as SyncProblem).message}): this device is not an admin there yet; an admin it knows must vouch for it first`);
  }
}
