/**
 * `tendril gateway --home DIR [--name NAME] [--max-sessions 5] [--shell PATH] [--cwd DIR]
 *  [--idle-after S] [--snapshot-every S] [--announce-ms MS] [--authorized-keys PATH] [--support-key LINE] [--ssh-sweep-ms MS]`:
 * runs the gateway (joined with an invite of role gateway) until stopped.
 * Admins may add and revoke SSH keys in `--authorized-keys` (default ~/.ssh/authorized_keys; only lines the
 * gateway added are ever changed) and grant `--support-key` for a while; expired keys are removed every
 * `--ssh-sweep-ms` (default 30000) and on start. Handled SSH request ids are kept in ssh-request-ids.sqlite.
 * Logs go to stderr as JSON lines (gateway-log.ts; `--log-format text` for plain lines).
 *
 * `tendril gateway install --home DIR [--unit-dir DIR] [gateway flags]` writes a systemd user unit that runs
 * this gateway with those flags (default folder ~/.config/systemd/user) and prints how to enable it.
 * Shells run inside tmux when it is installed, so they survive a gateway restart. What the gateway must
 * not forget lives in the home and survives every kind of restart: the input gate's counters
 * (input-counters.sqlite, kept for ended sessions too), each session's owner as verified from its
 * signed start request (session-owners.sqlite), and the file-transfer ids already used
 * (file-transfer-ids.sqlite), so old input and old transfer requests stay refused.
 */
import { homedir, hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pty from 'node-pty';
import { TendrilError } from '@tendril/crdt-schema/errors';
import { AuthorizedKeys, createPtyHost, detectTmux, GatewayPeer, parseSupportKey, persistCounters, runCommand, SessionManager, tmuxSocketName } from '@tendril/gateway';
import { InputCounterDb } from '../home/input-counter-db.ts';
import { SessionOwnerDb } from '../home/session-owner-db.ts';
import { UsedTransferDb } from '../home/used-transfer-db.ts';
import { flag, intFlag, parseArgs } from './args.ts';
import { homeDir, type CliContext } from './context.ts';
import { withSession } from './session.ts';
import { gatewayLog } from './gateway-log.ts';
import { renderUnit, unitName } from './systemd-unit.ts';
import { jsonLogger } from '@tendril/sync-server';

const VALUES = ['home', 'name', 'max-sessions', 'shell', 'cwd', 'idle-after', 'snapshot-every', 'announce-ms', 'authorized-keys', 'support-key', 'ssh-sweep-ms', 'log-format'];

export async function cmdGateway(ctx: CliContext, argv: readonly string[]): Promise<number> {
  if (argv[0] === 'install') return installGateway(ctx, argv.slice(1));
  const args = parseArgs(argv, { values: VALUES, switches: ['no-tmux'] });
  const format = flag(args, 'log-format') ?? 'json';
  if (format !== 'json' && format !== 'text') throw new TendrilError('E_BAD_INPUT', '--log-format is json or text');
  const log = format === 'json' ? gatewayLog(jsonLogger((l) => ctx.io.err(l.replace(/\n$/, '')), ctx.now)) : (line: string) => ctx.io.err(line);
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
      log,
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

/** Writes the systemd user unit for this home (systemd-unit.ts) and says how to turn it on. */
async function installGateway(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: [...VALUES, 'unit-dir'], switches: ['no-tmux'] });
  const home = homeDir(ctx, args);
  const unitDir = resolve(ctx.cwd, flag(args, 'unit-dir') ?? join(ctx.env.HOME ?? homedir(), '.config', 'systemd', 'user'));
  // The service runs with the same flags, paths made absolute (it does not start in this folder).
  const runArgs = ['gateway', '--home', home];
  for (const name of VALUES) {
    const v = flag(args, name);
    if (v === undefined || name === 'home') continue;
    runArgs.push(`--${name}`, name === 'cwd' || name === 'authorized-keys' ? resolve(ctx.cwd, v) : v);
  }
  if (args.flags.has('no-tmux')) runArgs.push('--no-tmux');
  const entry = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/tendril.js');
  const unit = unitName(home);
  const path = join(unitDir, unit);
  await mkdir(unitDir, { recursive: true });
  await writeFile(path, renderUnit({ node: ctx.execPath ?? 'node', entry, args: runArgs, home }), { mode: 0o644 });
  ctx.io.out(`wrote ${path}`);
  ctx.io.out('turn it on (and start it at boot, even before you log in):');
  ctx.io.out('  systemctl --user daemon-reload');
  ctx.io.out(`  systemctl --user enable --now ${unit}`);
  ctx.io.out('  loginctl enable-linger "$USER"');
  ctx.io.out(`logs: journalctl --user -u ${unit} -f`);
  return 0;
}
