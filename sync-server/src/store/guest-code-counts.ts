/**
 * Where the wrong-code counts of guest links are kept (server/guest-code-gate.ts):
 * per key (an address or a link), how many wrong codes, when the last one
 * came, and until when a try must wait. In process memory for one relay
 * process; in the guest store for several processes on one Redis, so a
 * guesser spreading tries over the processes meets one count
 * (guest-redis.ts holds the same rule as a script).
 */
/** The relay's limits that shape the wait (server/config.ts). */
export interface CodeRule {
  readonly guestCodeDelayMs: number;
  readonly guestCodeMaxDelayMs: number;
  readonly guestCodeForgetMs: number;
}

export interface GuestCodeCounts {
  /** Milliseconds before a code may be tried under `key`; 0 = now. */
  wait(key: string, now: number): Promise<number>;
  /** Counts a wrong code under `key`; past `free` of them each sets a wait, doubling up to the ceiling. Returns that wait. */
  failed(key: string, free: number, now: number): Promise<number>;
  /** Drops counts quiet for the forget period (memory only; a store expires them itself). */
  sweep(now: number): void;
  readonly size: number;
}

export interface CodeFailures {
  count: number;
  last: number;
  /** No try before this time. */
  until: number;
}

/** Whether a count is forgotten at `now`: quiet for the forget period, and no wait running. */
export const forgotten = (f: CodeFailures, now: number, rule: CodeRule): boolean => now - f.last >= rule.guestCodeForgetMs && now >= f.until;

/** The count after one more wrong code at `now`. */
export function countFailure(old: CodeFailures | undefined, free: number, now: number, rule: CodeRule): CodeFailures {
  const base = !old || forgotten(old, now, rule) ? { count: 0, last: now, until: 0 } : old;
  const count = base.count + 1;
  const over = count - free;
  const delay = over <= 0 ? 0 : Math.min(rule.guestCodeMaxDelayMs, rule.guestCodeDelayMs * 2 ** Math.min(over - 1, 30));
  return { count, last: now, until: now + delay };
}

export function memoryCodeCounts(rule: CodeRule): GuestCodeCounts {
  const byKey = new Map<string, CodeFailures>();
  return {
    wait(key, now) {
      const f = byKey.get(key);
      if (!f) return Promise.resolve(0);
      if (forgotten(f, now, rule)) {
        byKey.delete(key);
        return Promise.resolve(0);
      }
      return Promise.resolve(Math.max(0, f.until - now));
    },
    failed(key, free, now) {
      const f = countFailure(byKey.get(key), free, now, rule);
      byKey.set(key, f);
      return Promise.resolve(f.until - now);
    },
    sweep(now) {
      for (const [key, f] of byKey) if (forgotten(f, now, rule)) byKey.delete(key);
    },
    get size() {
      return byKey.size;
    },
  };
}
