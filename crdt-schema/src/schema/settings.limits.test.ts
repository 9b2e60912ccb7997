import { describe, expect, it } from 'vitest';
import { docsWithClients } from '../testkit/sync-docs.ts';
import { PREFS, SETTINGS } from './keys.ts';
import { settingsDoc } from './settings.ts';

describe('settings spending limits', () => {
  it('sets, changes and removes each limit on its own', () => {
    const s = settingsDoc(docsWithClients(1)[0]!);
    expect(s.spendLimits()).toEqual({});
    expect(s.setSpendLimits({ dailyUsd: 2, monthlyUsd: 40 })).toEqual({ dailyUsd: 2, monthlyUsd: 40 });
    s.setSpendLimits({ dailyUsd: null });
    expect(s.spendLimits()).toEqual({ monthlyUsd: 40 });
    s.setSpendLimits({ dailyUsd: 0 });
    expect(s.spendLimits()).toEqual({ dailyUsd: 0, monthlyUsd: 40 });
  });

  it('refuses an amount that is not one, and reads a stored one that is not as no limit', () => {
    const [doc] = docsWithClients(1);
    const s = settingsDoc(doc!);
    for (const bad of [-1, Number.NaN, Infinity, 2_000_000]) expect(() => s.setSpendLimits({ dailyUsd: bad })).toThrow(/the daily limit is an amount in USD/);
    expect(() => s.setSpendLimits({ monthlyUsd: -5 })).toThrow(/the monthly limit/);
    expect(s.spendLimits()).toEqual({});
    doc!.getMap<unknown>(SETTINGS.prefs).set(PREFS.spendLimits, { dailyUsd: '5', monthlyUsd: 7 });
    expect(s.spendLimits()).toEqual({ monthlyUsd: 7 });
  });
});
