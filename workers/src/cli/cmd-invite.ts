/**
 * `tendril invite --home DIR [--role device|viewer|gateway|worker] [--expires 10m]`:
 * creates a one-time, expiring invite and prints its link as the last line.
 * The keys the role may hold are sealed under a key derived from the link's
 * secret and parked on the relay, so the inviting device need not be online
 * when the link is used. The secret stays in the link's fragment.
 */
import { createInvite, INVITE_ROLES, loadCrypto, sealLockbox, type InviteRole, type InviteScope } from '@tendril/crdt-schema/crypto';
import { TendrilError } from '@tendril/crdt-schema/errors';
import { keysForRole, roleScopes, type Scope } from '@tendril/crdt-schema/keyring';
import { httpUrl, openHome, syncUrl } from '../home/device-home.ts';
import { NodePeer } from '../peer/node-peer.ts';
import { flag, parseArgs, parseDuration } from './args.ts';
import { homeDir, type CliContext } from './context.ts';

/** What an invite of a role grants, by document class. */
export function inviteScopeFor(role: InviteRole): InviteScope {
  return [...roleScopes(role)].map(([scope, access]: [Scope, 'read' | 'write']) => ({ select: { class: scope }, access }));
}

export async function cmdInvite(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'role', 'expires'] });
  const role = (flag(args, 'role') ?? 'device') as InviteRole;
  if (!INVITE_ROLES.includes(role)) throw new TendrilError('E_BAD_INPUT', `--role must be one of ${INVITE_ROLES.join(', ')}`);
  const ttlMs = parseDuration(flag(args, 'expires') ?? '10m');
  const crypto = await loadCrypto();
  const home = openHome(crypto, homeDir(ctx, args));
  if (home.config.role !== 'admin') {
    home.close();
    throw new TendrilError('E_INVITE_SCOPE', 'only an admin device can invite');
  }
  const peer = await NodePeer.open(crypto, home, { clientName: 'tendril-cli' });
  try {
    const { config, identity } = home;
    const invite = createInvite(crypto, {
      issuer: identity,
      workspace: config.workspace,
      role,
      scope: inviteScopeFor(role),
      now: ctx.now(),
      ttlMs,
      relayUrl: syncUrl(config.relay),
      relayHttpUrl: httpUrl(config.relay),
    });
    const granted = keysForRole(home.keys, role);
    const lockboxes = [...granted.values()].map((keys) =>
      sealLockbox(crypto, { keys, write: keys.writeCap.secretKey !== null, sender: identity, recipient: invite.lockboxRecipient }),
    );
    const blob = invite.sealPayload({
      workspace: { id: config.workspace, name: config.workspaceName },
      lockboxes,
      info: { rootAdmins: config.rootAdmins, docs: config.docs, scopes: [...granted.keys()] },
    });
    peer.connect();
    await peer.peer.relay.whenOpen(10_000);
    await peer.peer.relay.putBlob(invite.blobKey, blob, invite.ttlSeconds);
    ctx.io.out(`invite for a ${role}, valid until ${new Date(invite.token.expiresAt).toISOString()}, usable once`);
    ctx.io.out(invite.link.expose());
    return 0;
  } finally {
    await peer.close();
  }
}
