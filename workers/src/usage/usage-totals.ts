/**
 * Usage totals over a period: calls, tokens and cost, in all and by day,
 * provider, model and agent. The app's Usage page, the chat total and
 * `tendril usage` all count with this one function, so they agree. Cost is
 * what the runner recorded, unless the user set their own price for the model
 * in Settings: then it is that price times the recorded tokens.
 */
import { lookupModel } from '@tendril/sync-server/pricing';
import type { PriceOverride, ProviderSummary } from '@tendril/crdt-schema/schema';
import type { UsageRecord } from './usage-records.ts';

export interface UsageSum {
  readonly calls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number;
}

export interface UsageRow extends UsageSum {
  readonly key: string;
}

export interface UsageReport {
  /** The period, ms since the epoch: since inclusive, until exclusive. */
  readonly since: number;
  readonly until: number;
  readonly total: UsageSum;
  /** By UTC day (YYYY-MM-DD), oldest first; days without calls are left out. */
  readonly byDay: UsageRow[];
  /** By provider, model and agent, the costliest first. */
  readonly byProvider: UsageRow[];
  readonly byModel: UsageRow[];
  readonly byAgent: UsageRow[];
}

export interface UsageOptions {
  readonly since: number;
  readonly until: number;
  /** The user's prices (settings), in place of the recorded cost for the models they name. */
  readonly prices?: readonly PriceOverride[];
  /** Which provider a model belongs to (providerOf below, over the workspace's providers). */
  readonly providerOf: (model: string) => string;
}

export const ZERO: UsageSum = { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };

/** A cost function: the user's price for the record's model when one is set, else the recorded cost. */
export function costWith(prices: readonly PriceOverride[] = []): (r: Pick<UsageRecord, 'model' | 'inputTokens' | 'outputTokens' | 'costUsd'>) => number {
  const table = Object.fromEntries(prices.map((p) => [p.model, p]));
  return (r) => {
    const p = lookupModel(table, r.model);
    return p === undefined ? r.costUsd : (r.inputTokens * p.input + r.outputTokens * p.output) / 1_000_000;
  };
}

const add = (s: UsageSum, r: UsageRecord, cost: number): UsageSum => ({
  calls: s.calls + 1, inputTokens: s.inputTokens + r.inputTokens, outputTokens: s.outputTokens + r.outputTokens, costUsd: s.costUsd + cost,
});

const FAMILIES: readonly (readonly [RegExp, string])[] = [
  [/^(gpt-|o\d|text-embedding-|chatgpt)/, 'openai'],
  [/^claude/, 'anthropic'],
  [/^(gemini|models\/gemini)/, 'gemini'],
];

/**
 * The provider of a model: the workspace's provider that lists it (an enabled
 * one first), else the family its name says, else "other".
 */
export function providerOf(providers: readonly ProviderSummary[]): (model: string) => string {
  const listed = new Map<string, string>();
  for (const p of [...providers].sort((a, b) => Number(b.enabled) - Number(a.enabled))) for (const m of p.models) if (!listed.has(m)) listed.set(m, p.id);
  return (model) => listed.get(model) ?? FAMILIES.find(([re]) => re.test(model.toLowerCase().slice(model.lastIndexOf('/') + 1)))?.[1] ?? 'other';
}

export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

const rows = (m: Map<string, UsageSum>): UsageRow[] => [...m].map(([key, s]) => ({ key, ...s }));
const costliest = (a: UsageRow, b: UsageRow): number => b.costUsd - a.costUsd || b.calls - a.calls || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** The totals of the records made in [since, until). */
export function usageReport(records: Iterable<UsageRecord>, o: UsageOptions): UsageReport {
  const cost = costWith(o.prices);
  let total = ZERO;
  const by = { day: new Map<string, UsageSum>(), provider: new Map<string, UsageSum>(), model: new Map<string, UsageSum>(), agent: new Map<string, UsageSum>() };
  const bump = (m: Map<string, UsageSum>, key: string, r: UsageRecord, c: number): void => void m.set(key, add(m.get(key) ?? ZERO, r, c));
  for (const r of records) {
    if (r.at < o.since || r.at >= o.until) continue;
    const c = cost(r);
    total = add(total, r, c);
    bump(by.day, utcDay(r.at), r, c);
    bump(by.provider, o.providerOf(r.model), r, c);
    bump(by.model, r.model, r, c);
    bump(by.agent, r.agent, r, c);
  }
  return {
    since: o.since, until: o.until, total,
    byDay: rows(by.day).sort((a, b) => (a.key < b.key ? -1 : 1)),
    byProvider: rows(by.provider).sort(costliest),
    byModel: rows(by.model).sort(costliest),
    byAgent: rows(by.agent).sort(costliest),
  };
}

/** "30d", "12h" or "2w" as milliseconds; anything else is undefined. */
export function parsePeriod(text: string): number | undefined {
  const m = /^(\d{1,5})([hdw])$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }[m[2] as 'h' | 'd' | 'w'];
  return n > 0 ? n * unit : undefined;
}

/** A cost for people: "$0.0123", more digits below a cent so small costs do not read as zero. */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (usd < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}

/** The sum as one short line: "3 calls, 1200 in, 340 out, $0.0041". */
export function describeSum(s: UsageSum): string {
  return `${s.calls} call${s.calls === 1 ? '' : 's'}, ${s.inputTokens} in, ${s.outputTokens} out, ${formatUsd(s.costUsd)}`;
}
