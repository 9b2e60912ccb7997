/**
 * Spending limits of the workspace: at most this much estimated cost (USD) of
 * model calls per UTC day and per UTC calendar month. Kept in the settings
 * prefs (encrypted, written by the user's devices); every runner, a tab or a
 * worker, refuses to start a turn past one (workers/src/usage/spend-limits.ts).
 * Absent means no limit; a stored value that does not read as a limit is
 * treated as absent, so a bad write can lift a limit but never block chats
 * with an unreadable one. A limit of 0 refuses every priced call.
 */
import { badInput, isRecord } from './fields.ts';

export interface SpendLimits {
  /** USD per UTC day; undefined: no daily limit. */
  readonly dailyUsd?: number;
  /** USD per UTC calendar month; undefined: no monthly limit. */
  readonly monthlyUsd?: number;
}

export const SPEND_LIMIT_KINDS = ['dailyUsd', 'monthlyUsd'] as const;
export type SpendLimitKind = (typeof SPEND_LIMIT_KINDS)[number];

/** USD: any real budget fits, and a typo of a few digits stands out. */
export const MAX_SPEND_LIMIT = 1_000_000;

const isLimit = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_SPEND_LIMIT;

/** The limits as stored; a field that is missing or not a limit reads as no limit. */
export function readSpendLimits(v: unknown): SpendLimits {
  const r = isRecord(v) ? v : {};
  return { ...(isLimit(r.dailyUsd) ? { dailyUsd: r.dailyUsd } : {}), ...(isLimit(r.monthlyUsd) ? { monthlyUsd: r.monthlyUsd } : {}) };
}

/** A change to the limits: a number sets one, null removes it, undefined leaves it. */
export function checkSpendLimits(patch: { readonly [K in SpendLimitKind]?: number | null }, current: SpendLimits): SpendLimits {
  const out: { -readonly [K in SpendLimitKind]?: number } = { ...current };
  for (const k of SPEND_LIMIT_KINDS) {
    const v = patch[k];
    if (v === undefined) continue;
    if (v === null) delete out[k];
    else if (!isLimit(v)) badInput(`the ${k === 'dailyUsd' ? 'daily' : 'monthly'} limit is an amount in USD from 0 to ${MAX_SPEND_LIMIT}`);
    else out[k] = v;
  }
  return out;
}
