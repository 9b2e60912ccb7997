/**
 * `tendril init --home DIR --relay URL [--name NAME]`: a new workspace with
 * this device as its first admin. Works offline: the workspace is registered
 * on the relay on the first connection that succeeds.
 */
import { hostname } from 'node:os';
import { loadCrypto } from '@tendril/crdt-schema/crypto';
import { initializeWorkspace, newWorkspace } from '@tendril/crdt-schema/workspace';
import { createHome } from '../home/device-home.ts';
import { openNodeSession } from '../peer/node-peer.ts';
import { flag, parseArgs, requireFlag } from './args.ts';
import { homeDir, type CliContext } from './context.ts';

export async function cmdInit(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'relay', 'name', 'workspace-name'] });
  const dir = homeDir(ctx, args);
  const crypto = await loadCrypto();
  const workspaceName = flag(args, 'workspace-name');
  const made = newWorkspace(crypto, { relay: requireFlag(args, 'relay'), deviceName: flag(args, 'name') ?? hostname(), ...(workspaceName ? { workspaceName } : {}) });
  const session = await openNodeSession(crypto, createHome(crypto, dir, made.identity, made.config, made.keys), { clientName: 'tendril-cli' });
  try {
    await initializeWorkspace(crypto, session);
    const result = await session.syncOrQueue(8000);
    const relay = made.config.relay;
    ctx.io.out(`device ${made.identity.deviceId}`);
    ctx.io.out(result === 'synced' ? `registered on relay ${relay}` : `relay ${relay} not reachable: the workspace is registered on the next sync`);
    ctx.io.out(`workspace ${made.config.workspace}`);
    return 0;
  } finally {
    await session.close();
  }
}
