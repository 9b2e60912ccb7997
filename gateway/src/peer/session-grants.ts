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
  await withdrawSessionFromWorkers(crypto, session, id);
  return 'withdrawn';
}

/** Takes the session back from every worker holding it. */
export async function withdrawSessionFromWorkers(crypto: CryptoProvider, session: WorkspaceSession, id: SessionId): Promise<DeviceId[]> {
  const entry = sessionEntry(session, id);
  const holders = [...new Set(session.workspace().lockboxes.forDoc(entry.docId).map((l) => l.device))];
  const workers = [...new Set([...holders, ...currentWorkers(session)])];
  for (const w of workers) await removeWriter(crypto, session, id, w);
  withdrawDoc(session.workspace(), entry.docId, workers);
  return workers;
}

/**
 * Brings workers that joined after a session was granted up to date: for every live
 * `gateway-session` grant on a running session this device manages (its owner, or any as an admin),
 * each current worker without that session's keys gets them and a writer place. Returns how many
 * (worker, session) grants were added; does nothing (0) where this device may not manage or nothing is missing.
 */
export async function extendSessionGrants(crypto: CryptoProvider, session: WorkspaceSession, permissions: PermissionsDoc): Promise<number> {
  const ws = session.workspace();
  const me = session.home.identity.deviceId;
  const admin = session.home.config.role === 'admin';
  if (!session.home.keys.get(Scope.Terminals)?.writeCap.secretKey) return 0;
  const granted = new Set(permissions.grants.list().filter((g) => g.kind === 'gateway-session' && g.decision === 'granted' && g.revokedAt === undefined).map((g) => g.resource));
  const workers = currentWorkers(session);
  let added = 0;
  for (const entry of ws.sessions.list()) {
    if (!granted.has(entry.id) || entry.state === 'ended' || (!admin && entry.requestedBy !== me)) continue;
    const holders = new Set(ws.lockboxes.forDoc(entry.docId).map((l) => l.device));
    const missing = workers.filter((w) => !holders.has(w));
    if (missing.length === 0) continue;
    for (const w of missing) await addWriter(crypto, session, entry.id, w);
    grantDoc({ crypto, sender: session.home.identity, keys: session.home.keys, index: ws, directory: session.members }, { doc: entry.docId, scope: Scope.Terminals, to: missing });
    added += missing.length;
  }
  return added;
}
