/**
 * `tendril join --home DIR LINK|- [--name NAME]`: redeems an invite link (`-`:
 * read from standard input, out of `ps`), stores
 * the keys it grants, syncs the workspace index and enrolls this device.
 * Exits 0 once keys arrived and the index is synced. When the link needs the
 * inviting device's confirmation, the pairing code is printed first
 * (`pairing code NNNNNN: confirm it on the inviting device`) and the command
 * waits for it, at most `--confirm-timeout` seconds (until the invite expires by default).
 */
import { hostname } from 'node:os';
import { loadCrypto } from '@tendril/crdt-schema/crypto';
import { TendrilError } from '@tendril/crdt-schema/errors';
import { enroll, redeemInvite } from '@tendril/crdt-schema/workspace';
import { createHome } from '../home/device-home.ts';
import { NodeWebSocket, openNodeSession } from '../peer/node-peer.ts';
import { flag, parseArgs } from './args.ts';
import { homeDir, seconds, type CliContext } from './context.ts';
import { stdinText } from './read-input.ts';

export async function cmdJoin(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'name', 'timeout', 'confirm-timeout'] });
  const [linkArg] = args.positionals;
  if (!linkArg) throw new TendrilError('E_BAD_INPUT', 'usage: tendril join --home DIR LINK|-');
  const link = linkArg === '-' ? (await stdinText(ctx.io, 'the invite link')).trim() : linkArg;
  const dir = homeDir(ctx, args);
  const timeoutMs = seconds(args, 'timeout', 30);
  const crypto = await loadCrypto();
  const confirmTimeoutMs = flag(args, 'confirm-timeout') === undefined ? undefined : seconds(args, 'confirm-timeout', 0);
  const redeemed = await redeemInvite(crypto, link, {
    now: ctx.now(),
    deviceName: flag(args, 'name') ?? hostname(),
    WebSocket: NodeWebSocket,
    clientName: 'tendril-cli',
    timeoutMs,
    ...(confirmTimeoutMs === undefined ? {} : { confirmTimeoutMs }),
    onPairingCode: (code) => ctx.io.out(`pairing code ${code}: confirm it on the inviting device`),
  });
  const session = await openNodeSession(crypto, createHome(crypto, dir, redeemed.identity, redeemed.config, redeemed.keys), { clientName: 'tendril-cli' });
  try {
    if ((await session.syncOrQueue(timeoutMs)) !== 'synced') throw new TendrilError('E_TIMEOUT', 'the workspace index did not sync in time');
    if (enroll(crypto, session, redeemed) && (await session.syncOrQueue(timeoutMs)) !== 'synced') throw new TendrilError('E_TIMEOUT', 'the enrollment did not reach the relay in time');
    ctx.io.out(`pairing code ${redeemed.pairingCode}`);
    ctx.io.out(`joined workspace ${redeemed.config.workspace} as ${redeemed.token.role} ${redeemed.identity.deviceId}`);
    return 0;
  } finally {
    await session.close();
  }
}
