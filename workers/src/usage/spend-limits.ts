/**
 * Spending limits against what was spent: the workspace's daily limit counts
 * the cost of calls made since 00:00 UTC, the monthly one since the first of
 * the UTC month, with the same records and prices as the usage totals. A
 * runner refuses a turn when what was spent, plus what the turn's prompt
 * alone is estimated to cost, passes a limit; the app warns at 80 % and 100 %.
 */
import type { PriceOverride, SpendLimits } from '@tendril/crdt-schema/schema';
import { lookupModel, priceOf } from '@tendril/sync-server/pricing';
import { costWith, formatUsd } from './usage-totals.ts';
import type { UsageRecord } from './usage-records.ts';

export type SpendPeriod = 'daily' | 'monthly';

export interface SpendStatus {
  readonly period: SpendPeriod;
  readonly limitUsd: number;
  readonly spentUsd: number;
  /** When the period began (ms since the epoch, UTC). */
  readonly since: number;
  /** A key naming this period ("daily 2026-12-07", "monthly 2026-12"), for warning once per period. */
  readonly key: string;
}

/** The share of the period's limit at which the app warns first. */
export const WARN_AT = 0.8;

/** The start of the UTC day and of the UTC month `now` falls in. */
export function periodStarts(now: number): { day: number; month: number } {
  const d = new Date(now);
  return { day: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()), month: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) };
}

/** What each set limit allows and what its period has spent so far. */
export function spendStatus(records: Iterable<UsageRecord>, o: { limits: SpendLimits; prices?: readonly PriceOverride[]; now: number }): SpendStatus[] {
  const { day, month } = periodStarts(o.now);
  const cost = costWith(o.prices);
  let today = 0;
  let thisMonth = 0;
  for (const r of records) {
    if (r.at < month || r.at > o.now) continue;
    const c = cost(r);
    thisMonth += c;
    if (r.at >= day) today += c;
  }
  const iso = new Date(day).toISOString();
  const out: SpendStatus[] = [];
  if (o.limits.dailyUsd !== undefined) out.push({ period: 'daily', limitUsd: o.limits.dailyUsd, spentUsd: today, since: day, key: `daily ${iso.slice(0, 10)}` });
  if (o.limits.monthlyUsd !== undefined) out.push({ period: 'monthly', limitUsd: o.limits.monthlyUsd, spentUsd: thisMonth, since: month, key: `monthly ${iso.slice(0, 7)}` });
  return out;
}

/** What a prompt of this many tokens costs at the model's input price (the user's, else the shipped one; 0 when unknown). */
export function promptCost(model: string, inputTokens: number, prices: readonly PriceOverride[] = []): number {
  const table = Object.fromEntries(prices.map((p) => [p.model, p]));
  const price = lookupModel(table, model) ?? priceOf(model);
  return price === null ? 0 : (inputTokens * price.input) / 1_000_000;
}

/** How to raise a limit, said on every refusal and warning. */
export function raiseHint(period: SpendPeriod): string {
  return `raise or remove it in Settings > Spending limits, or with \`tendril limits --home DIR --${period === 'daily' ? 'daily' : 'monthly'} USD|off\``;
}

const spentWhen = (s: SpendStatus): string => `${formatUsd(s.spentUsd)} spent ${s.period === 'daily' ? 'today' : 'this month'} (UTC)`;

/**
 * Why a turn that would cost about `nextUsd` may not start, or undefined when it may: the first limit
 * that is used up or that the turn would pass, named, with what was spent and how to raise it.
 */
export function spendRefusal(status: readonly SpendStatus[], nextUsd: number): string | undefined {
  for (const s of status) {
    if (s.spentUsd >= s.limitUsd) return `the ${s.period} spending limit of ${formatUsd(s.limitUsd)} is used up: ${spentWhen(s)}; ${raiseHint(s.period)}`;
    if (s.spentUsd + nextUsd > s.limitUsd) return `this turn (about ${formatUsd(nextUsd)} for the prompt alone) would pass the ${s.period} spending limit of ${formatUsd(s.limitUsd)}: ${spentWhen(s)}; ${raiseHint(s.period)}`;
  }
  return undefined;
}

export interface SpendAlert {
  readonly period: SpendPeriod;
  /** 80: the warning share reached; 100: the limit used up. */
  readonly level: 80 | 100;
  readonly limitUsd: number;
  readonly spentUsd: number;
  /** Names this alert for this period ("daily 2026-12-07 100"): shown and notified once. */
  readonly key: string;
  readonly text: string;
}

/** The alerts the limits call for now: one per period at 80 % of its limit, or at 100 % once used up. */
export function spendAlerts(status: readonly SpendStatus[]): SpendAlert[] {
  const out: SpendAlert[] = [];
  for (const s of status) {
    const level = s.spentUsd >= s.limitUsd ? 100 : s.spentUsd >= WARN_AT * s.limitUsd ? 80 : undefined;
    if (level === undefined) continue;
    const share = s.limitUsd > 0 ? Math.floor((s.spentUsd / s.limitUsd) * 100) : 100;
    const text = level === 100
      ? `The ${s.period} spending limit of ${formatUsd(s.limitUsd)} is used up (${formatUsd(s.spentUsd)} spent): new turns are refused until ${s.period === 'daily' ? 'tomorrow (UTC)' : 'next month (UTC)'}; ${raiseHint(s.period)}.`
      : `${share} % of the ${s.period} spending limit is spent (${formatUsd(s.spentUsd)} of ${formatUsd(s.limitUsd)}); ${raiseHint(s.period)}.`;
    out.push({ period: s.period, level, limitUsd: s.limitUsd, spentUsd: s.spentUsd, key: `${s.key} ${level}`, text });
  }
  return out;
}
