/** A token bucket: `rate` tokens per second up to `burst`; time comes from the caller's clock. */

export interface TokenBucket {
  /** Takes one token; returns 0 on success, else the ms until one is available. */
  take(now: number): number;
}

export function createTokenBucket(rate: number, burst: number, now: number): TokenBucket {
  let tokens = burst;
  let last = now;
  return {
    take(t) {
      tokens = Math.min(burst, tokens + (Math.max(0, t - last) * rate) / 1000);
      last = Math.max(last, t);
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return Math.ceil(((1 - tokens) * 1000) / rate);
    },
  };
}
