/**
 * `tendril usage --home DIR [--since 30d] [--json]`: the tokens and cost the
 * workspace's chats recorded over a period, in all and by day, provider,
 * model and agent; the same totals the app's Usage page shows (both count
 * with usage/usage-totals.ts, with the user's price overrides from Settings).
 * Deleted chats count too: what they used was spent.
 */
import { TendrilError } from '@tendril/crdt-schema/errors';
import { Scope } from '@tendril/crdt-schema/keyring';
import type { SettingsDoc } from '@tendril/crdt-schema/schema';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { chatUsage, describeSum, formatUsd, parsePeriod, providerOf, usageReport, utcDay, type UsageRecord, type UsageReport, type UsageRow } from '../usage/index.ts';
import { withSession } from './session.ts';
import { flag, parseArgs } from './args.ts';
import { homeDir, type CliContext } from './context.ts';

const SYNC_TIMEOUT_MS = 5000;
export const USAGE_USAGE = 'usage  --home DIR [--since 30d] [--json]';

export async function cmdUsage(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'since'], switches: ['json'] });
  if (args.positionals.length > 0) throw new TendrilError('E_BAD_INPUT', `usage: tendril ${USAGE_USAGE}`);
  const sinceText = flag(args, 'since') ?? '30d';
  const period = parsePeriod(sinceText);
  if (period === undefined) throw new TendrilError('E_BAD_INPUT', `--since is a period like 30d, 12h or 2w (got ${sinceText})`);
  return withSession(homeDir(ctx, args), async (peer) => {
    const { records, settings } = await workspaceUsage(peer);
    const until = ctx.now() + 1;
    const report = usageReport(records, { since: until - 1 - period, until, prices: settings?.prices.list() ?? [], providerOf: providerOf(settings?.providers() ?? []) });
    if (args.flags.has('json')) ctx.io.out(JSON.stringify(report));
    else for (const l of usageLines(report, sinceText)) ctx.io.out(l);
    return 0;
  });
}

/** Every usage record of the workspace's chats (deleted ones too), and the settings when this device reads them. */
export async function workspaceUsage(peer: WorkspaceSession): Promise<{ records: UsageRecord[]; settings: SettingsDoc | undefined }> {
  if (!peer.home.keys.has(Scope.Chats)) throw new TendrilError('E_KEY_MISSING', 'this device holds no chat keys, so it cannot read what the chats used');
  await peer.syncOrQueue(SYNC_TIMEOUT_MS);
  const chats = [];
  for (const entry of peer.workspace().chats.list({ includeDeleted: true })) chats.push({ id: entry.id, ...(await peer.openChat(entry.id)) });
  const settings = peer.home.keys.has(Scope.Settings) ? (await peer.openSettings()).settings : undefined;
  await peer.syncOrQueue(SYNC_TIMEOUT_MS);
  const records: UsageRecord[] = [];
  for (const c of chats) records.push(...chatUsage(c.id, c.chat.messageIds().map((id) => c.chat.message(id)!)));
  return { records, settings };
}

const row = (r: UsageRow): string => `  ${r.key}  ${describeSum(r)}`;

export function usageLines(r: UsageReport, sinceText: string): string[] {
  const out = [`usage since ${utcDay(r.since)} (${sinceText}): ${describeSum(r.total)}`];
  if (r.total.calls === 0) return out;
  const section = (title: string, rows: UsageRow[]): void => void out.push(title, ...rows.map(row));
  section('by day', r.byDay);
  section('by provider', r.byProvider);
  section('by model', r.byModel);
  section('by agent', r.byAgent);
  out.push(`total ${formatUsd(r.total.costUsd)}`);
  return out;
}
