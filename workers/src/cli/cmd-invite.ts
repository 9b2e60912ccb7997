/**
 * `tendril invite --home DIR [--role device|viewer|gateway|worker] [--expires 10m]`:
 * creates a one-time, expiring invite and prints its link as the last line.
 */
import type { InviteRole } from '@tendril/crdt-schema/crypto';
import { inviteDevice } from '@tendril/crdt-schema/workspace';
import { flag, parseArgs, parseDuration } from './args.ts';
import { homeDir, type CliContext } from './context.ts';
import { withSession } from './session.ts';

export async function cmdInvite(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'role', 'expires'] });
  const role = (flag(args, 'role') ?? 'device') as InviteRole;
  const ttlMs = parseDuration(flag(args, 'expires') ?? '10m');
  return withSession(homeDir(ctx, args), async (session, crypto) => {
    const invite = await inviteDevice(crypto, session, { role, ttlMs, now: ctx.now() });
    ctx.io.out(`invite for a ${role}, valid until ${new Date(invite.token.expiresAt).toISOString()}, usable once`);
    ctx.io.out(invite.link.expose());
    return 0;
  });
}
