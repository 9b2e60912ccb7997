/**
 * Workers' access to terminal sessions from the app: an agent's switch on one
 * session (the agent of old, now the general assistant, files under
 * AGENT_PLUGIN_ID; every other agent under its own id), and keeping keys and writer places in step with any
 * `gateway-session` grant decided or revoked on this device. Only the session's
 * owner or an admin can hand out access (anyone else gets E_FORBIDDEN).
 */
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import type { PluginId, SessionId } from '@tendril/crdt-schema/ids';
import { AGENT_PLUGIN_ID, type Grant, type GrantTarget, type PermissionsDoc } from '@tendril/crdt-schema/schema';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { reconcileSessionAccess } from '@tendril/gateway/viewer';

export type Access = Awaited<ReturnType<typeof reconcileSessionAccess>>;

export function agentTarget(id: SessionId, agent: string = AGENT_PLUGIN_ID): GrantTarget {
  return { plugin: agent as PluginId, kind: 'gateway-session', resource: id };
}

/** Whether the agent (by id; default the general assistant) holds a live grant to run commands in session `id`. */
export function agentMayRun(grants: readonly Grant[], id: SessionId, agent: string = AGENT_PLUGIN_ID): boolean {
  return grants.some((g) => g.plugin === agent && g.kind === 'gateway-session' && g.resource === id && g.decision === 'granted' && g.revokedAt === undefined);
}

/** Grants or revokes the agent's permission on the session, then gives the workers access or takes it back. */
export function setAgentAccess(crypto: CryptoProvider, session: WorkspaceSession, permissions: PermissionsDoc, id: SessionId, allowed: boolean, agent: string = AGENT_PLUGIN_ID): Promise<Access> {
  const me = session.home.identity.deviceId;
  if (allowed) permissions.grants.decide(agentTarget(id, agent), 'granted', me);
  else permissions.grants.revoke(agentTarget(id, agent), me);
  return reconcileSessionAccess(crypto, session, permissions, id);
}

/**
 * After a grant changed: when it is a `gateway-session` grant on a session of this workspace, makes
 * the workers' access follow the permissions document. Null when the grant is about something else
 * (another kind, '*' or a resource that names no session).
 */
export async function followSessionGrant(crypto: CryptoProvider, session: WorkspaceSession, permissions: PermissionsDoc, target: Pick<GrantTarget, 'kind' | 'resource'>): Promise<Access | null> {
  if (target.kind !== 'gateway-session') return null;
  const entry = session.workspace().sessions.list().find((s) => s.id === target.resource);
  return entry ? reconcileSessionAccess(crypto, session, permissions, entry.id) : null;
}
