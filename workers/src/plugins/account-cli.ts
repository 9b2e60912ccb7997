/**
 * `tendril plugin account ...`: the mail accounts and calendar sources that
 * the mail and calendar plugins read, kept in the workspace's sealed
 * settings. A password is read from an environment variable (never from the
 * command line, where other users of the machine could see it) and never
 * printed; `list` shows whether one is set.
 *
 *   tendril plugin account set    --home DIR NAME --kind imap|ics|caldav --url URL [--user U] [--mailbox M] [--password-env VAR]
 *   tendril plugin account remove --home DIR NAME
 *   tendril plugin account list   --home DIR [--json]
 *
 * A plugin reads an account only once granted on it by name:
 * `tendril plugin grant --home DIR mail-tasks read_email NAME`.
 */
import { TendrilError } from '@tendril/crdt-schema/errors';
import { ACCOUNT_KINDS, type AccountKind } from '@tendril/crdt-schema/schema';
import { flag, parseArgs } from '../cli/args.ts';
import { homeDir, type CliContext } from '../cli/context.ts';
import { withSession } from '../cli/session.ts';

const SYNC_MS = 5000;
export const ACCOUNT_USAGE = 'plugin account set --home DIR NAME --kind imap|ics|caldav --url URL [--user U] [--mailbox M] [--password-env VAR] | remove --home DIR NAME | list --home DIR [--json]';

export async function cmdAccount(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const args = parseArgs(rest, { values: ['home', 'kind', 'url', 'user', 'mailbox', 'password-env'], switches: ['json'] });
  return withSession(homeDir(ctx, args), async (session) => {
    const { settings } = await session.openSettings();
    await session.syncOrQueue(SYNC_MS);
    const [name] = args.positionals;
    const saved = async (): Promise<void> => {
      const r = await session.syncOrQueue(SYNC_MS);
      ctx.io.out(r === 'synced' ? 'saved to relay' : `queued: relay not reachable, ${session.peer.unacked} change(s) not yet saved to relay`);
    };
    switch (sub) {
      case 'set': {
        session.requireWrite('settings');
        if (!name) throw new TendrilError('E_BAD_INPUT', `usage: tendril ${ACCOUNT_USAGE}`);
        const kind = flag(args, 'kind');
        if (!kind || !(ACCOUNT_KINDS as readonly string[]).includes(kind)) throw new TendrilError('E_BAD_INPUT', `--kind must be one of ${ACCOUNT_KINDS.join(', ')}`);
        const url = flag(args, 'url');
        if (!url) throw new TendrilError('E_BAD_INPUT', '--url is required');
        const passwordVar = flag(args, 'password-env');
        const password = passwordVar ? ctx.env[passwordVar] : undefined;
        if (passwordVar && !password) throw new TendrilError('E_BAD_INPUT', `environment variable ${passwordVar} is not set`);
        const user = flag(args, 'user');
        const mailbox = flag(args, 'mailbox');
        const a = settings.accounts.set({
          name, kind: kind as AccountKind, url, ...(user ? { user } : {}), ...(mailbox ? { mailbox } : {}), ...(password ? { password } : {}),
        });
        ctx.io.out(`account ${a.name}: ${a.kind} ${a.url}${a.user ? ` as ${a.user}` : ''}${a.hasPassword ? ', password set' : ''}`);
        await saved();
        return 0;
      }
      case 'remove': {
        session.requireWrite('settings');
        if (!name) throw new TendrilError('E_BAD_INPUT', `usage: tendril ${ACCOUNT_USAGE}`);
        if (!settings.accounts.remove(name)) throw new TendrilError('E_BAD_INPUT', `no account named ${name}`);
        await saved();
        return 0;
      }
      case 'list': {
        const all = settings.accounts.list();
        if (args.flags.has('json')) ctx.io.out(JSON.stringify(all));
        else for (const a of all) ctx.io.out(`${a.name}\t${a.kind}\t${a.url}${a.user ? `\t${a.user}` : ''}${a.hasPassword ? '\tpassword set' : ''}`);
        return 0;
      }
      default:
        throw new TendrilError('E_BAD_INPUT', `usage: tendril ${ACCOUNT_USAGE} (got ${sub ?? 'nothing'})`);
    }
  });
}
