/** A token bucket: `rate` tokens per second up to `burst`; time comes from the caller's clock. */

export interface TokenBucket {
  /** Takes one token; returns 0 on success, else the ms until one is available. */
  take(now: number): number;
  /** Like take, without taking: 0 when a token is available now, else the ms until one is. */
  peek(now: number): number;
}

export function createTokenBucket(rate: number, burst: number, now: number): TokenBucket {
  let tokens = burst;
  let last = now;
  const refill = (t: number): void => {
    tokens = Math.min(burst, tokens + (Math.max(0, t - last) * rate) / 1000);
    last = Math.max(last, t);
  };
  return {
    take(t) {
      refill(t);
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return Math.ceil(((1 - tokens) * 1000) / rate);
    },
    peek(t) {
      refill(t);
      return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) * 1000) / rate);
    },
  };
}
