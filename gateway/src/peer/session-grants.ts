/**
 * Letting the workspace's workers use one terminal session (the user granted
 * the agent or a plugin `gateway-session` on it): each current worker gets the
 * session document's keys in a single-document grant and a signed place on
 * the writer list; withdrawing removes both, and the gateway refuses the
 * workers' input from then on. Run by the session's owner or an admin.
 */
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { DeviceId, SessionId } from '@tendril/crdt-schema/ids';
import { Scope } from '@tendril/crdt-schema/keyring';
import type { PermissionsDoc, SessionEntry } from '@tendril/crdt-schema/schema';
import { grantDoc, withdrawDoc, type WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { addWriter, removeWriter } from './writers.ts';

function sessionEntry(session: WorkspaceSession, id: SessionId): SessionEntry {
  const entry = session.workspace().sessions.get(id);
  if (!entry) throw new TendrilError('E_UNKNOWN_SESSION', `no terminal session ${id} in this workspace (try \`tendril sync\` first)`);
  return entry;
}

/** The workspace's current workers (verified members with the worker role). */
export function currentWorkers(session: WorkspaceSession): DeviceId[] {
  return session
    .workspace()
    .members.list()
    .filter((m) => {
      const v = session.members.member(m.device);
      return v?.role === 'worker' && v.revokedAtEpoch === undefined;
    })
    .map((m) => m.device);
}

/** Grants the session to every current worker; returns them (none: nothing to do yet). */
export async function grantSessionToWorkers(crypto: CryptoProvider, session: WorkspaceSession, id: SessionId): Promise<DeviceId[]> {
  const entry = sessionEntry(session, id);
  const workers = currentWorkers(session);
  if (workers.length === 0) return [];
  for (const w of workers) await addWriter(crypto, session, id, w);
  grantDoc(
    { crypto, sender: session.home.identity, keys: session.home.keys, index: session.workspace(), directory: session.members },
    { doc: entry.docId, scope: Scope.Terminals, to: workers },
  );
  return workers;
}

/**
 * Makes the workers' access to a session follow the permissions document: granted while any plugin
 * (the agent included) holds a live `gateway-session` grant on the session id, withdrawn otherwise.
 */
export async function reconcileSessionAccess(crypto: CryptoProvider, session: WorkspaceSession, permissions: PermissionsDoc, id: SessionId): Promise<'granted' | 'withdrawn'> {
  const live = permissions.grants.list().some((g) => g.kind === 'gateway-session' && g.resource === id && g.decision === 'granted' && g.revokedAt === undefined);
  if (live) {
    await grantSessionToWorkers(crypto, session, id);
    return 'granted';
  }
  await withdrawSessionFromWorkers(session, id);
  return 'withdrawn';
}

/** Takes the session back from every worker holding it. */
export async function withdrawSessionFromWorkers(session: WorkspaceSession, id: SessionId): Promise<DeviceId[]> {
  const entry = sessionEntry(session, id);
  const holders = [...new Set(session.workspace().lockboxes.forDoc(entry.docId).map((l) => l.device))];
  const workers = [...new Set([...holders, ...currentWorkers(session)])];
  for (const w of workers) await removeWriter(session, id, w);
  withdrawDoc(session.workspace(), entry.docId, workers);
  return workers;
}
