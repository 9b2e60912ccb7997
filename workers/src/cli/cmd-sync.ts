/**
 * `tendril sync --home DIR [--timeout S]`: pushes queued changes and pulls
 * every document this device can read, then exits once all are synced.
 */
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { withSession } from './session.ts';
import { extendSessionGrants } from '@tendril/gateway';
import { parseArgs } from './args.ts';
import { homeDir, seconds, type CliContext } from './context.ts';

function notSynced(peer: WorkspaceSession): TendrilError {
  const f = peer.lastSyncFailure;
  const queued = `${peer.peer.unacked} change(s) stay queued`;
  if (f?.code === 'E_OFFLINE') return new TendrilError('E_OFFLINE', `relay ${peer.home.config.relay} not reachable (${f.message}); ${queued}`);
  return new TendrilError(f?.code ?? 'E_TIMEOUT', `${f?.message ?? 'not synced in time'}; ${queued}`);
}

export async function cmdSync(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'timeout'] });
  const timeout = seconds(args, 'timeout', 30);
  return withSession(homeDir(ctx, args), async (peer, crypto) => {
    const deadline = ctx.now() + timeout;
    // The index names the other documents: sync it first, then everything it lists.
    if ((await peer.syncOrQueue(timeout)) === 'queued') throw notSynced(peer);
    const opened = await peer.openAll();
    if ((await peer.syncOrQueue(Math.max(1000, deadline - ctx.now()))) === 'queued') throw notSynced(peer);
    // Workers that joined after a terminal session was granted to the agent get it now (owner or admin).
    if (peer.home.keys.has('permissions')) {
      const added = await extendSessionGrants(crypto, peer, (await peer.openPermissions()).permissions);
      if (added > 0) {
        ctx.io.err(`gave workers that joined later ${added} terminal session grant(s) of the agent`);
        if ((await peer.syncOrQueue(Math.max(1000, deadline - ctx.now()))) === 'queued') throw notSynced(peer);
      }
    }
    const problems = peer.peer.seenProblems.filter((p) => p.relayMisbehaviour);
    for (const p of problems) ctx.io.err(`warning: ${p.code}: ${p.message}`);
    ctx.io.out(`synced ${opened + 1} documents`);
    return 0;
  });
}
