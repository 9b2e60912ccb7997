/**
 * `tendril gateway --home DIR [--name NAME] [--max-sessions 5] [--shell PATH] [--cwd DIR]
 *  [--idle-after S] [--snapshot-every S]`: runs the gateway (joined with an invite of role gateway) until stopped.
 * Shells run inside tmux when it is installed, so they survive a gateway restart.
 */
import { hostname } from 'node:os';
import pty from 'node-pty';
import { TendrilError } from '@tendril/crdt-schema/errors';
import { createPtyHost, detectTmux, GatewayPeer, runCommand, SessionManager, tmuxSocketName } from '@tendril/gateway';
import { flag, intFlag, parseArgs } from './args.ts';
import { homeDir, type CliContext } from './context.ts';
import { withSession } from './session.ts';

export async function cmdGateway(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'name', 'max-sessions', 'shell', 'cwd', 'idle-after', 'snapshot-every'], switches: ['no-tmux'] });
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.env)) if (typeof v === 'string') env[k] = v;
  const shell = flag(args, 'shell') ?? env.SHELL ?? '/bin/bash';
  const cwd = flag(args, 'cwd') ?? ctx.cwd;
  return withSession(homeDir(ctx, args), async (session, crypto) => {
    if (session.home.config.role !== 'gateway') throw new TendrilError('E_INVITE_SCOPE', `this home joined as ${session.home.config.role}; a gateway needs an invite with --role gateway`);
    const useTmux = !args.flags.has('no-tmux') && (await detectTmux(runCommand)) !== null;
    const gateway = new GatewayPeer({
      crypto,
      session,
      name: flag(args, 'name') ?? session.home.config.deviceName ?? hostname(),
      cwd,
      shell,
      log: (line) => ctx.io.err(line),
      manager: (gateFor) =>
        new SessionManager({
          host: createPtyHost({
            spawn: (file, a, o) => pty.spawn(file, a, o),
            tmux: useTmux ? { bin: 'tmux', socket: { name: tmuxSocketName(session.home.identity.deviceId.slice(0, 12)) } } : null,
          }),
          env,
          shell,
          gate: gateFor,
          maxSessions: intFlag(args, 'max-sessions', 5),
          tuning: { idleAfterMs: intFlag(args, 'idle-after', 300) * 1000, mirror: { periodic: { everyMs: intFlag(args, 'snapshot-every', 10) * 1000 } } },
        }),
    });
    await gateway.start();
    ctx.io.out(`gateway ${session.home.identity.deviceId} running${useTmux ? ' (tmux)' : ''}`);
    await ctx.stopSignal;
    await gateway.stop({ keepShells: useTmux });
    return 0;
  });
}
