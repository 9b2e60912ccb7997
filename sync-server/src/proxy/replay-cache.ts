/**
 * The nonces of proxy proofs seen recently, so a signed request cannot be
 * sent twice. A proof is accepted only within the time window either side of
 * the relay's clock, so a nonce needs remembering for twice the window after
 * it was seen, no longer. Bounded: when full of unexpired nonces it refuses
 * new ones (and says when the oldest expires) rather than forget one early,
 * which would reopen a replay.
 */

export type NonceAdmission = { readonly ok: true } | { readonly ok: false; readonly reason: 'replayed' } | { readonly ok: false; readonly reason: 'full'; readonly retryAfterMs: number };

export interface ReplayCache {
  /** Records the nonce at `now`, or says it was seen (or that there is no room). */
  admit(nonce: string, now: number): NonceAdmission;
  readonly size: number;
}

export function createReplayCache(windowMs: number, maxEntries: number): ReplayCache {
  // Insertion order is expiry order: every entry lives 2 * windowMs from when it was seen.
  const seen = new Map<string, number>();
  let latest = -Infinity;
  const sweep = (now: number): void => {
    for (const [nonce, expires] of seen) {
      if (expires > now) break;
      seen.delete(nonce);
    }
  };
  return {
    admit(nonce, now) {
      sweep(now);
      if (seen.has(nonce)) return { ok: false, reason: 'replayed' };
      if (seen.size >= maxEntries) return { ok: false, reason: 'full', retryAfterMs: Math.max(1, seen.values().next().value! - now) };
      // A clock that steps back must not put a short-lived entry behind longer-lived ones.
      latest = Math.max(latest, now);
      seen.set(nonce, latest + 2 * windowMs);
      return { ok: true };
    },
    get size() {
      return seen.size;
    },
  };
}
