/**
 * `tendril gateway --home DIR [--name NAME] [--max-sessions 5] [--shell PATH] [--cwd DIR]
 *  [--idle-after S] [--snapshot-every S]`: runs the gateway (joined with an invite of role gateway) until stopped.
 * Shells run inside tmux when it is installed, so they survive a gateway restart; the input gate's
 * counters live in the home (input-counters.sqlite), so a restarted gateway still refuses old input, and
 * so does the owner of each session it verified from the signed start request (session-owners.sqlite).
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import pty from 'node-pty';
import { TendrilError } from '@tendril/crdt-schema/errors';
import { createPtyHost, detectTmux, forgetGone, GatewayPeer, persistCounters, runCommand, SessionManager, tmuxSocketName } from '@tendril/gateway';
import { InputCounterDb } from '../home/input-counter-db.ts';
import { SessionOwnerDb } from '../home/session-owner-db.ts';
import { flag, intFlag, parseArgs } from './args.ts';
import { homeDir, type CliContext } from './context.ts';
import { withSession } from './session.ts';

export async function cmdGateway(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'name', 'max-sessions', 'shell', 'cwd', 'idle-after', 'snapshot-every'], switches: ['no-tmux'] });
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.env)) if (typeof v === 'string') env[k] = v;
  const shell = flag(args, 'shell') ?? env.SHELL ?? '/bin/bash';
  const cwd = flag(args, 'cwd') ?? ctx.cwd;
  const home = homeDir(ctx, args);
  return withSession(home, async (session, crypto) => {
    if (session.home.config.role !== 'gateway') throw new TendrilError('E_INVITE_SCOPE', `this home joined as ${session.home.config.role}; a gateway needs an invite with --role gateway`);
    const useTmux = !args.flags.has('no-tmux') && (await detectTmux(runCommand)) !== null;
    const counters = new InputCounterDb(join(home, 'input-counters.sqlite'));
    const stored = counters.sessions();
    const owners = new SessionOwnerDb(join(home, 'session-owners.sqlite'));
    const host = createPtyHost({
      spawn: (file, a, o) => pty.spawn(file, a, o),
      tmux: useTmux ? { bin: 'tmux', socket: { name: tmuxSocketName(session.home.identity.deviceId.slice(0, 12)) } } : null,
    });
    let manager: SessionManager | undefined;
    const gateway = new GatewayPeer({
      crypto,
      session,
      name: flag(args, 'name') ?? session.home.config.deviceName ?? hostname(),
      cwd,
      shell,
      log: (line) => ctx.io.err(line),
      owners,
      manager: (gateFor) => {
        manager = new SessionManager({
          host,
          env,
          shell,
          gate: persistCounters(gateFor, counters),
          maxSessions: intFlag(args, 'max-sessions', 5),
          tuning: { idleAfterMs: intFlag(args, 'idle-after', 300) * 1000, mirror: { periodic: { everyMs: intFlag(args, 'snapshot-every', 10) * 1000 } } },
        });
        manager.on('ended', ({ id }) => counters.forget(id));
        return manager;
      },
    });
    await gateway.start();
    // Counters of shells that did not survive the restart are of no use any more; shells left in tmux keep theirs.
    forgetGone(counters, stored, [...manager!.list().map((s) => s.id), ...(await host.list()).map((s) => s.sessionId)]);
    ctx.io.out(`gateway ${session.home.identity.deviceId} running${useTmux ? ' (tmux)' : ''}`);
    await ctx.stopSignal;
    await gateway.stop({ keepShells: useTmux });
    counters.close();
    owners.close();
    return 0;
  });
}
