/**
 * Inviting a device: a one-time, expiring invite whose keys (what the role
 * may hold, sealed in lockboxes to the invite's enrollment identity) are
 * sealed under a key derived from the link's secret and parked on the relay.
 * The inviting device need not be online when the link is used; the secret
 * stays in the link's fragment, which never reaches the relay. With
 * `confirm`, the keys are also sealed under a release secret this device
 * keeps, sent only once a person confirmed the joiner's pairing code
 * (`awaitPairingRequest` in pair-inviter.ts, on `session.peer.relay`).
 */
import type { CryptoProvider } from '../../crypto/provider.ts';
import { createInvite, type CreatedInvite } from '../../crypto/invite.ts';
import { INVITE_ROLES, type InviteRole, type InviteScope } from '../../crypto/invite-scope.ts';
import { sealLockbox } from '../../crypto/lockbox.ts';
import { TendrilError } from '../../errors.ts';
import { roleScopes, type Scope } from '../../keyring/scopes.ts';
import { keysForRole } from '../../keyring/workspace-keys.ts';
import type { WorkspaceSession } from '../session.ts';
import { httpUrl, syncUrl } from '../urls.ts';

/** What an invite of a role grants, by document class. */
export function inviteScopeFor(role: InviteRole): InviteScope {
  return [...roleScopes(role)].map(([scope, access]: [Scope, 'read' | 'write']) => ({ select: { class: scope }, access }));
}

export async function inviteDevice(crypto: CryptoProvider, session: WorkspaceSession, o: { role: InviteRole; ttlMs: number; now: number; confirm?: boolean }): Promise<CreatedInvite> {
  if (!INVITE_ROLES.includes(o.role)) throw new TendrilError('E_BAD_INPUT', `the role must be one of ${INVITE_ROLES.join(', ')}`);
  const { config, identity, keys } = session.home;
  if (config.role !== 'admin') throw new TendrilError('E_INVITE_SCOPE', 'only an admin device can invite');
  const invite = createInvite(crypto, {
    issuer: identity,
    workspace: config.workspace,
    role: o.role,
    scope: inviteScopeFor(o.role),
    now: o.now,
    ttlMs: o.ttlMs,
    relayUrl: syncUrl(config.relay),
    relayHttpUrl: httpUrl(config.relay),
    confirm: o.confirm === true,
  });
  const granted = keysForRole(keys, o.role);
  const lockboxes = [...granted.values()].map((k) => sealLockbox(crypto, { keys: k, write: k.writeCap.secretKey !== null, sender: identity, recipient: invite.lockboxRecipient }));
  const blob = invite.sealPayload({
    workspace: { id: config.workspace, name: config.workspaceName },
    lockboxes,
    info: { rootAdmins: config.rootAdmins, docs: config.docs },
  });
  session.connect();
  await session.peer.relay.whenOpen(10_000);
  await session.peer.relay.putBlob(invite.blobKey, blob, invite.ttlSeconds);
  return invite;
}
