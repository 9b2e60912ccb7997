/**
 * Slows down guessing of guest access codes. Wrong codes are counted per
 * client address and per link (an attacker with many addresses still meets
 * the link's count); past a few free tries every further try must wait,
 * twice as long after each wrong code, up to a ceiling. While a wait runs the
 * relay refuses a try without looking at the code, so even the right code
 * does not get through early. A quiet period forgets the count. Visitors the
 * link already admitted come back without a code, so a flood of wrong codes
 * on a link delays only newcomers.
 */
import type { RelayLimits } from './config.ts';

type Limits = Pick<RelayLimits, 'guestCodeFreeTriesPerIp' | 'guestCodeFreeTriesPerLink' | 'guestCodeDelayMs' | 'guestCodeMaxDelayMs' | 'guestCodeForgetMs'>;

interface Failures {
  count: number;
  last: number;
  /** No try before this time. */
  until: number;
}

export class GuestCodeGate {
  private readonly byKey = new Map<string, Failures>();

  constructor(private readonly limits: Limits) {}

  /** Milliseconds before a code may be tried for `link` from `ip`; 0 = now. */
  wait(link: string, ip: string, now: number): number {
    return Math.max(this.waitOf(`ip:${ip}`, now), this.waitOf(`link:${link}`, now));
  }

  /** Counts a wrong code; returns the wait it imposes on the next try (0 while tries are free). */
  failed(link: string, ip: string, now: number): number {
    const a = this.count(`ip:${ip}`, this.limits.guestCodeFreeTriesPerIp, now);
    const b = this.count(`link:${link}`, this.limits.guestCodeFreeTriesPerLink, now);
    return Math.max(a, b);
  }

  /** Drops counts older than the forget period (called from the relay's sweep). */
  sweep(now: number): void {
    for (const [key, f] of this.byKey) if (now - f.last >= this.limits.guestCodeForgetMs && now >= f.until) this.byKey.delete(key);
  }

  get size(): number {
    return this.byKey.size;
  }

  private waitOf(key: string, now: number): number {
    const f = this.byKey.get(key);
    if (!f) return 0;
    if (now - f.last >= this.limits.guestCodeForgetMs && now >= f.until) {
      this.byKey.delete(key);
      return 0;
    }
    return Math.max(0, f.until - now);
  }

  private count(key: string, free: number, now: number): number {
    let f = this.byKey.get(key);
    if (!f || (now - f.last >= this.limits.guestCodeForgetMs && now >= f.until)) f = { count: 0, last: now, until: 0 };
    f.count++;
    f.last = now;
    const over = f.count - free;
    const delay = over <= 0 ? 0 : Math.min(this.limits.guestCodeMaxDelayMs, this.limits.guestCodeDelayMs * 2 ** Math.min(over - 1, 30));
    f.until = now + delay;
    this.byKey.set(key, f);
    return delay;
  }
}
