/**
 * `tendril gateway --home DIR [--name NAME] [--max-sessions 5] [--shell PATH] [--cwd DIR]
 *  [--idle-after S] [--snapshot-every S] [--announce-ms MS] [--authorized-keys PATH] [--support-key LINE] [--ssh-sweep-ms MS]`:
 * runs the gateway (joined with an invite of role gateway) until stopped.
 * Admins may add and revoke SSH keys in `--authorized-keys` (default ~/.ssh/authorized_keys; only lines the
 * gateway added are ever changed) and grant `--support-key` for a while; expired keys are removed every
 * `--ssh-sweep-ms` (default 30000) and on start. Handled SSH request ids are kept in ssh-request-ids.sqlite.
 * Shells run inside tmux when it is installed, so they survive a gateway restart. What the gateway must
 * not forget lives in the home and survives every kind of restart: the input gate's counters
 * (input-counters.sqlite, kept for ended sessions too), each session's owner as verified from its
 * signed start request (session-owners.sqlite), and the file-transfer ids already used
 * (file-transfer-ids.sqlite), so old input and old transfer requests stay refused.
 */
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import pty from 'node-pty';
import { TendrilError } from '@tendril/crdt-schema/errors';
import { AuthorizedKeys, createPtyHost, detectTmux, GatewayPeer, parseSupportKey, persistCounters, runCommand, SessionManager, tmuxSocketName } from '@tendril/gateway';
import { InputCounterDb } from '../home/input-counter-db.ts';
import { SessionOwnerDb } from '../home/session-owner-db.ts';
import { UsedTransferDb } from '../home/used-transfer-db.ts';
import { flag, intFlag, parseArgs } from './args.ts';
import { homeDir, type CliContext } from './context.ts';
import { withSession } from './session.ts';

export async function cmdGateway(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'name', 'max-sessions', 'shell', 'cwd', 'idle-after', 'snapshot-every', 'announce-ms', 'authorized-keys', 'support-key', 'ssh-sweep-ms'], switches: ['no-tmux'] });
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.env)) if (typeof v === 'string') env[k] = v;
  const shell = flag(args, 'shell') ?? env.SHELL ?? '/bin/bash';
  const cwd = flag(args, 'cwd') ?? ctx.cwd;
  const home = homeDir(ctx, args);
  const authorizedKeys = flag(args, 'authorized-keys') ?? join(env.HOME ?? homedir(), '.ssh', 'authorized_keys');
  const supportLine = flag(args, 'support-key');
  const support = supportLine !== undefined ? parseSupportKey(supportLine) : null;
  const sweepEveryMs = intFlag(args, 'ssh-sweep-ms', 30_000);
  if (sweepEveryMs < 10) throw new TendrilError('E_BAD_INPUT', '--ssh-sweep-ms must be at least 10');
  return withSession(home, async (session, crypto) => {
    if (session.home.config.role !== 'gateway') throw new TendrilError('E_INVITE_SCOPE', `this home joined as ${session.home.config.role}; a gateway needs an invite with --role gateway`);
    const useTmux = !args.flags.has('no-tmux') && (await detectTmux(runCommand)) !== null;
    const counters = new InputCounterDb(join(home, 'input-counters.sqlite'));
    const owners = new SessionOwnerDb(join(home, 'session-owners.sqlite'));
    const usedTransfers = new UsedTransferDb(join(home, 'file-transfer-ids.sqlite'));
    const usedSsh = new UsedTransferDb(join(home, 'ssh-request-ids.sqlite'));
    const host = createPtyHost({
      spawn: (file, a, o) => pty.spawn(file, a, o),
      tmux: useTmux ? { bin: 'tmux', socket: { name: tmuxSocketName(session.home.identity.deviceId.slice(0, 12)) } } : null,
    });
    const gateway = new GatewayPeer({
      crypto,
      session,
      name: flag(args, 'name') ?? session.home.config.deviceName ?? hostname(),
      cwd,
      shell,
      announceEveryMs: intFlag(args, 'announce-ms', 10_000),
      log: (line) => ctx.io.err(line),
      owners,
      usedTransfers,
      ssh: { keys: new AuthorizedKeys(authorizedKeys), support, used: usedSsh, sweepEveryMs },
      manager: (gateFor) =>
        new SessionManager({
          host,
          env,
          shell,
          gate: persistCounters(gateFor, counters),
          maxSessions: intFlag(args, 'max-sessions', 5),
          tuning: { idleAfterMs: intFlag(args, 'idle-after', 300) * 1000, mirror: { periodic: { everyMs: intFlag(args, 'snapshot-every', 10) * 1000 } } },
        }),
    });
    await gateway.start();
    ctx.io.out(`gateway ${session.home.identity.deviceId} running${useTmux ? ' (tmux)' : ''}`);
    await ctx.stopSignal;
    await gateway.stop({ keepShells: useTmux });
    counters.close();
    owners.close();
    usedTransfers.close();
    usedSsh.close();
    return 0;
  });
}
