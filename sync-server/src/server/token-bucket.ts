/**
 * A token bucket: `rate` tokens per second up to `burst`; time comes from the caller's clock.
 * A class rather than closures: every connection holds one, so its state is four fields and its
 * methods are shared (no per-bucket functions or contexts).
 */

export interface TokenBucket {
  /** Takes one token; returns 0 on success, else the ms until one is available. */
  take(now: number): number;
  /** Like take, without taking: 0 when a token is available now, else the ms until one is. */
  peek(now: number): number;
}

class Bucket implements TokenBucket {
  private tokens: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private last: number,
  ) {
    this.tokens = burst;
  }

  take(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) * 1000) / this.rate);
  }

  peek(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.rate);
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, now - this.last) * this.rate) / 1000);
    this.last = Math.max(this.last, now);
  }
}

export function createTokenBucket(rate: number, burst: number, now: number): TokenBucket {
  return new Bucket(rate, burst, now);
}
