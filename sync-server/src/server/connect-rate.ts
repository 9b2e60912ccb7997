/**
 * New connections per client address, as a token bucket each: a stranger's
 * reconnect loop (open, send a little, be dropped, open again) is refused
 * before the WebSocket handshake, where it costs the relay almost nothing.
 * The map of buckets is bounded: full buckets are forgotten on a sweep, and
 * past `maxAddresses` the least recently seen address is forgotten first.
 */
import { createTokenBucket, type TokenBucket } from './token-bucket.ts';

export interface ConnectRateLimits {
  /** New connections per second per client address (sustained). */
  readonly connectsPerSecondPerIp: number;
  /** New connections one address may open in a burst. */
  readonly connectBurstPerIp: number;
}

export class ConnectRate {
  /** `refused`: the last connection counted was refused (it was told so, with a 429). */
  private readonly buckets = new Map<string, { bucket: TokenBucket; seen: number; refused: boolean }>();

  constructor(
    private readonly limits: ConnectRateLimits,
    private readonly maxAddresses = 100_000,
  ) {}

  /** 0 when `ip` may open a connection now, else the ms until it may. */
  take(ip: string, now: number): number {
    let b = this.buckets.get(ip);
    if (b) this.buckets.delete(ip);
    else {
      if (this.buckets.size >= this.maxAddresses) this.buckets.delete(this.buckets.keys().next().value!);
      b = { bucket: createTokenBucket(this.limits.connectsPerSecondPerIp, this.limits.connectBurstPerIp, now), seen: now, refused: false };
    }
    b.seen = now;
    this.buckets.set(ip, b); // most recently seen last
    const wait = b.bucket.take(now);
    b.refused = wait > 0;
    return wait;
  }

  /**
   * The ms until `ip` may open a connection, without counting one, once it was refused (told so with
   * a 429): lets its further sockets be closed as they are accepted, before any HTTP is parsed. 0 for
   * an address not seen, not refused yet, or with connections left.
   */
  refusing(ip: string, now: number): number {
    const b = this.buckets.get(ip);
    return b?.refused ? b.bucket.peek(now) : 0;
  }

  /** Forgets addresses whose bucket has refilled (nothing to remember about them). */
  sweep(now: number): void {
    const refillMs = (this.limits.connectBurstPerIp / this.limits.connectsPerSecondPerIp) * 1000;
    for (const [ip, b] of this.buckets) if (now - b.seen >= refillMs) this.buckets.delete(ip);
  }

  get size(): number {
    return this.buckets.size;
  }
}
