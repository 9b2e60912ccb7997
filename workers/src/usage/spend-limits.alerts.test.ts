import { describe, expect, it } from 'vitest';
import type { ChatId, MessageId } from '@tendril/crdt-schema/ids';
import { periodStarts, spendAlerts, spendStatus } from './spend-limits.ts';
import type { UsageRecord } from './usage-records.ts';

const NOW = Date.UTC(2026, 11, 7, 12);
const rec = (at: number, costUsd: number): UsageRecord => ({
  chat: 'c'.repeat(22) as ChatId, message: 'm'.repeat(22) as MessageId, kind: 'reply', at, model: 'gpt-4o', agent: 'A', inputTokens: 1, outputTokens: 1, costUsd,
});

describe('spend alerts', () => {
  it('start the day and the month at 00:00 UTC', () => {
    expect(periodStarts(NOW)).toEqual({ day: Date.UTC(2026, 11, 7), month: Date.UTC(2026, 11, 1) });
  });

  it('warn at 80 % and say the limit is used up at 100 %, per period, once per period by key', () => {
    const records = [rec(NOW - 3_600_000, 0.79), rec(Date.UTC(2026, 11, 2), 9), rec(Date.UTC(2026, 10, 30), 50)];
    const below = spendAlerts(spendStatus(records, { limits: { dailyUsd: 1, monthlyUsd: 20 }, now: NOW }));
    expect(below).toEqual([]);
    const at80 = spendAlerts(spendStatus([...records, rec(NOW - 60_000, 0.01)], { limits: { dailyUsd: 1, monthlyUsd: 20 }, now: NOW }));
    expect(at80.map((a) => [a.period, a.level, a.key])).toEqual([['daily', 80, 'daily 2026-12-07 80']]);
    expect(at80[0]!.text).toBe('80 % of the daily spending limit is spent ($0.80 of $1.00); raise or remove it in Settings > Spending limits, or with `tendril limits --home DIR --daily USD|off`.');
    const full = spendAlerts(spendStatus(records, { limits: { dailyUsd: 0.5, monthlyUsd: 9.79 }, now: NOW }));
    expect(full.map((a) => [a.period, a.level, a.key])).toEqual([['daily', 100, 'daily 2026-12-07 100'], ['monthly', 100, 'monthly 2026-12 100']]);
    expect(full[1]!.text).toContain('The monthly spending limit of $9.79 is used up ($9.79 spent): new turns are refused until next month (UTC)');
  });
});
