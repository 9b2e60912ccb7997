/**
 * Revoking a device (admin only). In order: an admin-signed revocation goes
 * into the index (peers then refuse the device's envelopes sealed at the new
 * epoch); every scope key rotates; the new keys are sealed to each remaining
 * member in lockboxes in the index (written under the old keys, which those
 * members hold); the relay gets the signed revocation (it refuses the device
 * from now on); and every document except the index gets new capability keys
 * on the relay, so the device's old capabilities stop working as well.
 */
import type { CryptoProvider } from '../../crypto/index.ts';
import { sealLockbox } from '../../crypto/index.ts';
import { TendrilError } from '../../errors.ts';
import type { DeviceId } from '../../ids.ts';
import { keyEpoch } from '../../ids.ts';
import { keysForRole, rotateWorkspaceKeys, scopeKeyId, Scope, deriveDocKeys } from '../../keyring/index.ts';
import { FrameType, revokeBytes, setCapsBytes } from '../../wire/index.ts';
import { reissueDocGrants } from '../doc-grants.ts';
import { signRevocation } from '../membership.ts';
import type { WorkspaceSession } from '../session.ts';


export async function revokeDevice(crypto: CryptoProvider, peer: WorkspaceSession, device: DeviceId, now: number): Promise<void> {
  const { home } = peer;
  const me = home.identity;
  if (home.config.role !== 'admin') throw new TendrilError('E_FORBIDDEN', 'only an admin device can revoke');
  if (device === me.deviceId) throw new TendrilError('E_BAD_INPUT', 'a device cannot revoke itself');
  const ws = peer.workspace();
  if (!ws.members.get(device)) throw new TendrilError('E_BAD_INPUT', `no member ${device}`);
  await peer.openAll();
  if ((await peer.syncOrQueue(15_000)) !== 'synced') throw new TendrilError('E_OFFLINE', 'revocation needs the relay: it could not be reached');

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

  const relay = peer.peer.relay;
  await relay.revoke({ workspace: home.config.workspace, device, at: now, admin: me.deviceId, signature: crypto.sign(revokeBytes(home.config.workspace, device, now), me.signSecretKey.expose()) });
  const nonce = relay.nonce;
  if (!nonce) throw new TendrilError('E_OFFLINE', 'the relay connection closed during revocation');
  for (const sync of peer.peer.docs()) {
    const scope = peer.scopeOf(sync.doc);
    if (!scope || scope === Scope.Index) continue;
    const before = deriveDocKeys(crypto, oldKeys.get(scope)!, sync.doc);
    const after = deriveDocKeys(crypto, newKeys.get(scope)!, sync.doc);
    if (!before.writeCap || !after.writeCap) continue;
    const proof = crypto.sign(setCapsBytes(nonce, sync.doc, after.writeCap.publicKey, after.readCap.publicKey), before.writeCap.secretKey);
    relay.sendFrame({ type: FrameType.SetCaps, doc: sync.doc, ref: 0, writeKey: after.writeCap.publicKey, readKey: after.readCap.publicKey, proof });
  }
  await home.saveKeys(newKeys);
  relay.reconnect();
  if ((await peer.syncOrQueue(15_000)) !== 'synced') throw new TendrilError('E_TIMEOUT', 'documents did not resync under the new keys');
}
