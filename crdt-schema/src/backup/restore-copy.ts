/**
 * Restoring a restore point as a new workspace: a copy of the chats and
 * settings as they were at that point, under new keys and a new workspace
 * id, with this device as its first admin. A restore into the original
 * workspace merges forward with whatever its relay still holds (CRDT: later
 * edits and deletions come back on the first sync); a copy is how an older
 * state is got back as it was. The old members, permissions and terminal
 * sessions are not copied: the copy starts with this device alone.
 */
import * as Y from 'yjs';
import type { CryptoProvider } from '../crypto/provider.ts';
import { workspaceDoc } from '../schema/workspace.ts';
import { initializeWorkspace, newWorkspace } from '../workspace/flows/create.ts';
import type { WorkspaceSession } from '../workspace/session.ts';
import type { ContentsOptions, RestoreHomes } from './workspace-contents.ts';
import type { BackupContents } from './workspace-units.ts';

export async function restoreAsCopy(
  crypto: CryptoProvider,
  b: BackupContents,
  homes: RestoreHomes,
  o: ContentsOptions & { relay: string; deviceName: string; workspaceName: string },
): Promise<WorkspaceSession> {
  const made = newWorkspace(crypto, { relay: o.relay, deviceName: o.deviceName, workspaceName: o.workspaceName });
  const session = await homes.openSession(await homes.makeHome(made));
  await initializeWorkspace(crypto, session);
  const me = made.identity.deviceId;
  const oldIndex = new Y.Doc();
  const indexState = b.docs.find((d) => d.doc === b.secrets.config.docs.index);
  if (indexState) Y.applyUpdate(oldIndex, indexState.state);
  const chats = workspaceDoc(oldIndex).chats.list();
  for (const [i, c] of chats.entries()) {
    o.onProgress?.({ label: 'Copying chats…', done: i, total: chats.length });
    const d = b.docs.find((x) => x.chat === c.id);
    if (!d) continue;
    // The same chat id (messages name it), a new document under the copy's keys.
    session.workspace().chats.create({ id: c.id, title: c.title, createdBy: me });
    const { sync } = await session.openChat(c.id);
    // A local change (no DocSync origin): sealed under the new keys and sent.
    Y.applyUpdate(sync.ydoc, d.state);
    if (i % 20 === 19) await o.breathe?.();
  }
  const settings = b.docs.find((d) => d.scope === 'settings');
  if (settings) {
    const { sync, settings: doc } = await session.openSettings();
    const relayUrl = doc.relayUrl();
    Y.applyUpdate(sync.ydoc, settings.state);
    // The copy's relay, whatever the original's settings named.
    doc.setRelayUrl(relayUrl);
  }
  session.connect();
  o.onProgress?.({ label: 'Restored as a new workspace', done: chats.length, total: chats.length });
  return session;
}
