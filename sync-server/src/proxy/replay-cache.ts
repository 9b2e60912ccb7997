/**
 * The nonces of proxy proofs seen recently, so a signed request cannot be
 * sent twice. A proof is accepted only within the time window either side of
 * the relay's clock, so a nonce needs remembering for twice the window after
 * it was seen, no longer. Bounded: when full of unexpired nonces it refuses
 * new ones (and says when the oldest expires) rather than forget one early,
 * which would reopen a replay. Each device holds at most its own share, so one
 * device sending signed requests as fast as it can (each refused by its rate
 * limit later, but remembered here) fills only its share, not everyone's.
 */

export type NonceAdmission = { readonly ok: true } | { readonly ok: false; readonly reason: 'replayed' } | { readonly ok: false; readonly reason: 'full'; readonly retryAfterMs: number };

export interface ReplayCache {
  /** Records `device`'s nonce at `now`, or says it was seen (or that there is no room, for it or at all). */
  admit(device: string, nonce: string, now: number): NonceAdmission;
  readonly size: number;
}

export function createReplayCache(windowMs: number, maxEntries: number, maxPerDevice = maxEntries): ReplayCache {
  // Insertion order is expiry order: every entry lives 2 * windowMs from when it was seen.
  const seen = new Map<string, { expires: number; device: string }>();
  const perDevice = new Map<string, number>();
  let latest = -Infinity;
  const sweep = (now: number): void => {
    for (const [key, e] of seen) {
      if (e.expires > now) break;
      seen.delete(key);
      const n = (perDevice.get(e.device) ?? 1) - 1;
      if (n > 0) perDevice.set(e.device, n);
      else perDevice.delete(e.device);
    }
  };
  const oldestExpiry = (now: number, device?: string): number => {
    for (const e of seen.values()) if (device === undefined || e.device === device) return Math.max(1, e.expires - now);
    return 1;
  };
  return {
    admit(device, nonce, now) {
      sweep(now);
      const key = `${device}.${nonce}`;
      if (seen.has(key)) return { ok: false, reason: 'replayed' };
      if ((perDevice.get(device) ?? 0) >= maxPerDevice) return { ok: false, reason: 'full', retryAfterMs: oldestExpiry(now, device) };
      if (seen.size >= maxEntries) return { ok: false, reason: 'full', retryAfterMs: oldestExpiry(now) };
      // A clock that steps back must not put a short-lived entry behind longer-lived ones.
      latest = Math.max(latest, now);
      seen.set(key, { expires: latest + 2 * windowMs, device });
      perDevice.set(device, (perDevice.get(device) ?? 0) + 1);
      return { ok: true };
    },
    get size() {
      return seen.size;
    },
  };
}
