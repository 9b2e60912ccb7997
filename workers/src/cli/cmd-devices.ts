/**
 * `tendril devices list|revoke --home DIR [ID]`: the workspace's members with
 * roles and last-seen times; an admin can revoke a device (see revoke.ts).
 */
import { TendrilError } from '@tendril/crdt-schema/errors';
import { parseDeviceId } from '@tendril/crdt-schema/ids';
import { revokeDevice } from '@tendril/crdt-schema/workspace';
import { withSession } from './session.ts';
import { parseArgs } from './args.ts';
import { homeDir, type CliContext } from './context.ts';

export async function cmdDevices(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const args = parseArgs(rest, { values: ['home'], switches: ['json'] });
  if (sub !== 'list' && sub !== 'revoke') throw new TendrilError('E_BAD_INPUT', 'usage: tendril devices list|revoke --home DIR [ID]');
  return withSession(homeDir(ctx, args), async (peer, crypto) => {
    await peer.syncOrQueue(5000);
    if (sub === 'revoke') {
      const [id] = args.positionals;
      if (!id) throw new TendrilError('E_BAD_INPUT', 'usage: tendril devices revoke --home DIR ID');
      await revokeDevice(crypto, peer, parseDeviceId(id), ctx.now());
      ctx.io.out(`revoked ${id}; keys rotated`);
      return 0;
    }
    const me = peer.home.identity.deviceId;
    const members = peer.workspace().members.list({ includeRevoked: true });
    if (args.flags.has('json')) ctx.io.out(JSON.stringify(members.map(({ boxPublicKey: _b, cert: _c, revocationCert: _r, ...m }) => m)));
    else {
      for (const m of members) {
        const seen = m.lastSeen ? new Date(m.lastSeen).toISOString() : 'never';
        ctx.io.out(`${m.device}  ${m.role.padEnd(7)} ${m.name}${m.device === me ? ' (this device)' : ''}  last seen ${seen}${m.revokedAt ? '  REVOKED' : ''}`);
      }
    }
    return 0;
  });
}
