/**
 * Per-key limits of the LLM proxy (a key is a device or a workspace): a token bucket on requests, and a daily
 * token quota counted from the usage the upstream reported (the day is the
 * UTC day of the injected clock). Requests already admitted may overshoot the
 * quota by their own size; the next one is refused.
 */

export interface LimitsConfig {
  readonly requestsPerMinute: number;
  readonly burst: number;
  /** 0 means no quota. */
  readonly dailyTokenQuota: number;
}

export type Admission =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: 'E_PROXY_RATE_LIMITED' | 'E_QUOTA'; readonly retryAfterMs: number };

interface UserState {
  tokens: number;
  last: number;
  day: number;
  used: number;
}

export interface UserLimits {
  /** Whether one request would be admitted now, taking nothing. */
  check(user: string, now: number): Admission;
  /** Takes the rate token of an admitted request. */
  take(user: string, now: number): void;
  /** Counts tokens used by an answered request. */
  record(user: string, tokens: number, now: number): void;
  /** Tokens used today. */
  usedToday(user: string, now: number): number;
}

const DAY_MS = 86_400_000;
/** Above this many tracked users, idle ones are forgotten. */
const MAX_TRACKED = 10_000;

export function createUserLimits(c: LimitsConfig): UserLimits {
  const users = new Map<string, UserState>();
  const perMs = c.requestsPerMinute / 60_000;

  const state = (user: string, now: number): UserState => {
    let s = users.get(user);
    if (!s) {
      if (users.size >= MAX_TRACKED) forgetIdle(now);
      s = { tokens: c.burst, last: now, day: Math.floor(now / DAY_MS), used: 0 };
      users.set(user, s);
    }
    const day = Math.floor(now / DAY_MS);
    if (day !== s.day) {
      s.day = day;
      s.used = 0;
    }
    s.tokens = Math.min(c.burst, s.tokens + Math.max(0, now - s.last) * perMs);
    s.last = Math.max(s.last, now);
    return s;
  };

  function forgetIdle(now: number): void {
    for (const [user, s] of users) {
      const refilled = s.tokens + (now - s.last) * perMs >= c.burst;
      if (refilled && (s.used === 0 || Math.floor(now / DAY_MS) !== s.day)) users.delete(user);
    }
  }

  return {
    check(user, now) {
      const s = state(user, now);
      if (c.dailyTokenQuota > 0 && s.used >= c.dailyTokenQuota) {
        return { ok: false, code: 'E_QUOTA', retryAfterMs: (s.day + 1) * DAY_MS - now };
      }
      if (s.tokens < 1) {
        return { ok: false, code: 'E_PROXY_RATE_LIMITED', retryAfterMs: perMs > 0 ? Math.ceil((1 - s.tokens) / perMs) : DAY_MS };
      }
      return { ok: true };
    },
    take(user, now) {
      state(user, now).tokens -= 1;
    },
    record(user, tokens, now) {
      state(user, now).used += tokens;
    },
    usedToday(user, now) {
      return state(user, now).used;
    },
  };
}
