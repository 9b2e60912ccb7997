/**
 * `tendril ssh list|add|revoke|support|log`: SSH keys on a gateway's host, changed by the gateway on an
 * admin's signed request (gateway/src/peer/ssh-admin.ts).
 *   ssh list    --home DIR --gateway NAME [--json]                               the keys the gateway added
 *   ssh add     --home DIR --gateway NAME --key LINE|--key-file PATH|--key - --label TEXT [--expires 7d]
 *                                                                                 last line: added ID
 *   ssh revoke  --home DIR --gateway NAME ID                                     last line: revoked ID
 *   ssh support --home DIR --gateway NAME [--for 24h]                            last line: support access ID until TIME
 *   ssh log     --home DIR --gateway NAME                                        the gateway's activity log
 * A refused or failed request exits 1 with the gateway's reason and code.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import { isErrorCode, TendrilError } from '@tendril/crdt-schema/errors';
import type { DeviceId } from '@tendril/crdt-schema/ids';
import type { GatewayAdminDoc } from '@tendril/crdt-schema/schema';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { awaitSshAnswer, DEFAULT_SUPPORT_MS, leaveSshRequest, readSshLog, readSshState, type SshChange, type SshKeyView } from '@tendril/gateway';
import { flag, parseArgs, parseDuration, requireFlag, type ParsedArgs } from './args.ts';
import { findGateway } from './cmd-term.ts';
import { homeDir, seconds, type CliContext } from './context.ts';
import { withSession } from './session.ts';

export const SSH_USAGE = 'ssh    list|add|revoke|support|log --home DIR --gateway NAME [--key LINE|--key-file PATH|--key - --label TEXT [--expires 7d]] [ID] [--for 24h] [--json]';

interface Opened {
  readonly session: WorkspaceSession;
  readonly crypto: CryptoProvider;
  readonly gateway: DeviceId;
  readonly admin: GatewayAdminDoc;
  readonly timeout: number;
}

export async function cmdSsh(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const values = ['home', 'gateway', 'timeout', 'key', 'key-file', 'label', 'expires', 'for'];
  const args = parseArgs(rest, { values, switches: ['json'] });
  const run = (f: (o: Opened) => Promise<number>) => withAdmin(ctx, args, f);
  switch (sub) {
    case 'list': return run((o) => list(ctx, o, args.flags.has('json')));
    case 'log': return run((o) => log(ctx, o));
    case 'add': {
      const change: SshChange = { kind: 'add', key: await keyLine(ctx, args), label: requireFlag(args, 'label'), ...expiry(ctx, args) };
      return run(async (o) => {
        ctx.io.out(`added ${(await change_(o, change)).id}`);
        return 0;
      });
    }
    case 'revoke': {
      const [target] = args.positionals;
      if (!target) throw new TendrilError('E_BAD_INPUT', 'usage: tendril ssh revoke --home DIR --gateway NAME ID');
      return run(async (o) => {
        ctx.io.out(`revoked ${(await change_(o, { kind: 'revoke', target })).id}`);
        return 0;
      });
    }
    case 'support': {
      const forText = flag(args, 'for');
      const forMs = forText === undefined ? DEFAULT_SUPPORT_MS : parseDuration(forText);
      return run(async (o) => {
        const key = await change_(o, { kind: 'support', forMs });
        ctx.io.out(`support access ${key.id} until ${key.expiresAt !== null ? new Date(key.expiresAt).toISOString() : 'revoked'}`);
        return 0;
      });
    }
    default: throw new TendrilError('E_BAD_INPUT', 'usage: tendril ssh list|add|revoke|support|log --home DIR --gateway NAME ...');
  }
}

async function withAdmin(ctx: CliContext, args: ParsedArgs, f: (o: Opened) => Promise<number>): Promise<number> {
  const timeout = seconds(args, 'timeout', 20);
  return withSession(homeDir(ctx, args), async (session, crypto) => {
    await session.syncOrQueue(timeout);
    const gateway = findGateway(session, requireFlag(args, 'gateway'));
    const { admin } = await session.openGatewayAdmin(gateway);
    await session.syncOrQueue(timeout);
    return f({ session, crypto, gateway, admin, timeout });
  });
}

/** Leaves the request and waits for the gateway; the key it names on success, its reason as an error otherwise. */
async function change_(o: Opened, change: SshChange): Promise<SshKeyView> {
  const id = leaveSshRequest(o.session, o.crypto, o.admin, o.gateway, change);
  if ((await o.session.syncOrQueue(o.timeout)) !== 'synced') throw new TendrilError('E_OFFLINE', 'the request did not reach the relay');
  const answer = await awaitSshAnswer(o.crypto, o.admin, o.gateway, id, o.timeout).catch(async (e: unknown) => {
    await o.session.syncOrQueue(5000);
    throw e;
  });
  if (!answer.ok || !answer.key) throw new TendrilError(isErrorCode(answer.code) ? answer.code : 'E_FORBIDDEN', `the gateway refused: ${answer.message}`);
  return answer.key;
}

async function keyLine(ctx: CliContext, args: ParsedArgs): Promise<string> {
  const key = flag(args, 'key');
  const file = flag(args, 'key-file');
  if ((key === undefined) === (file === undefined)) throw new TendrilError('E_BAD_INPUT', 'give the public key with --key LINE, --key - (standard input) or --key-file PATH');
  const text = file !== undefined ? await readFile(resolve(ctx.cwd, file), 'utf8') : key === '-' ? await (ctx.io.readStdin?.() ?? Promise.resolve('')) : key!;
  // A file or standard input may end with a newline; a line break inside the key is refused by the gateway.
  return text.replace(/\r?\n$/, '');
}

function expiry(ctx: CliContext, args: ParsedArgs): { expiresAt?: number } {
  const text = flag(args, 'expires');
  return text === undefined ? {} : { expiresAt: ctx.now() + parseDuration(text) };
}

function describeKey(k: SshKeyView): string {
  const until = k.expiresAt !== null ? `until ${new Date(k.expiresAt).toISOString()}` : 'no expiry';
  return `${k.id}  ${k.type}  ${k.fingerprint}  ${k.label}  ${until}${k.support ? '  support' : ''}`;
}

async function list(ctx: CliContext, o: Opened, json: boolean): Promise<number> {
  const state = readSshState(o.crypto, o.admin, o.gateway);
  if (!state) throw new TendrilError('E_TIMEOUT', 'the gateway has not published its SSH keys yet (is it running?)');
  if (json) ctx.io.out(JSON.stringify({ keys: state.keys, support: state.support, at: state.at }));
  else {
    for (const k of state.keys) ctx.io.out(describeKey(k));
    ctx.io.out(`${state.keys.length} key${state.keys.length === 1 ? '' : 's'} added by the gateway${state.support ? `; support key ${state.support.label} (${state.support.fingerprint})` : '; no support key configured'}`);
  }
  return 0;
}

async function log(ctx: CliContext, o: Opened): Promise<number> {
  for (const e of readSshLog(o.crypto, o.admin, o.gateway)) {
    ctx.io.out(`${new Date(e.at).toISOString()}  ${e.action}  ${e.outcome}  ${e.device ?? 'gateway'}  ${e.detail}`);
  }
  return 0;
}
