/**
 * `tendril limits --home DIR [--daily USD|off] [--monthly USD|off]`: the
 * workspace's spending limits (in the encrypted settings) and what each
 * period has spent; with a flag, sets or removes that limit first. Every
 * runner refuses a turn past a limit (workers/src/usage/spend-limits.ts).
 */
import { TendrilError } from '@tendril/crdt-schema/errors';
import { withSession } from './session.ts';
import { flag, parseArgs } from './args.ts';
import { homeDir, type CliContext } from './context.ts';
import { workspaceUsage } from './cmd-usage.ts';
import { formatUsd, spendStatus } from '../usage/index.ts';

const SYNC_TIMEOUT_MS = 5000;
export const LIMITS_USAGE = 'limits --home DIR [--daily USD|off] [--monthly USD|off]';

function amount(text: string | undefined, name: string): number | null | undefined {
  if (text === undefined) return undefined;
  if (text === 'off') return null;
  const v = Number(text.replace(/^\$/, ''));
  if (text.trim() === '' || !Number.isFinite(v)) throw new TendrilError('E_BAD_INPUT', `--${name} is an amount in USD (like 5 or 0.50) or off (got ${text})`);
  return v;
}

export async function cmdLimits(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'daily', 'monthly'] });
  if (args.positionals.length > 0) throw new TendrilError('E_BAD_INPUT', `usage: tendril ${LIMITS_USAGE}`);
  const dailyUsd = amount(flag(args, 'daily'), 'daily');
  const monthlyUsd = amount(flag(args, 'monthly'), 'monthly');
  const change = dailyUsd !== undefined || monthlyUsd !== undefined;
  return withSession(homeDir(ctx, args), async (peer) => {
    if (change) peer.requireWrite('settings');
    const { records, settings } = await workspaceUsage(peer);
    if (!settings) throw new TendrilError('E_FORBIDDEN', `this device (${peer.home.config.role}) cannot read the settings, where the limits are kept`);
    if (change) {
      settings.setSpendLimits({ ...(dailyUsd !== undefined ? { dailyUsd } : {}), ...(monthlyUsd !== undefined ? { monthlyUsd } : {}) });
      const r = await peer.syncOrQueue(SYNC_TIMEOUT_MS);
      ctx.io.out(r === 'synced' ? 'saved to relay' : `queued: relay not reachable, ${peer.peer.unacked} change(s) not yet saved to relay`);
    }
    const limits = settings.spendLimits();
    const status = spendStatus(records, { limits, prices: settings.prices.list(), now: ctx.now() });
    for (const period of ['daily', 'monthly'] as const) {
      const s = status.find((x) => x.period === period);
      ctx.io.out(s ? `${period} limit: ${formatUsd(s.limitUsd)} (${formatUsd(s.spentUsd)} spent ${period === 'daily' ? 'today' : 'this month'}, UTC)` : `${period} limit: none`);
    }
    return 0;
  });
}
