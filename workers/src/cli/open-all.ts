/** Opens every document of the workspace this device holds keys for; returns how many were opened. */
import { Scope } from '@tendril/crdt-schema/keyring';
import type { NodePeer } from '../peer/node-peer.ts';

export async function openAllDocs(peer: NodePeer): Promise<number> {
  const keys = peer.home.keys;
  let n = 0;
  if (keys.has(Scope.Settings)) n += (await peer.openSettings(), 1);
  if (keys.has(Scope.Permissions)) n += (await peer.openPermissions(), 1);
  if (keys.has(Scope.Chats)) {
    for (const c of peer.workspace().chats.list({ includeDeleted: false })) n += (await peer.openChat(c.id), 1);
  }
  return n;
}
