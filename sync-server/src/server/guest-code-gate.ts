/**
 * Slows down guessing of guest access codes. Wrong codes are counted per
 * client address and per link (an attacker with many addresses still meets
 * the link's count); past a few free tries every further try must wait,
 * twice as long after each wrong code, up to a ceiling. While a wait runs the
 * relay refuses a try without looking at the code, so even the right code
 * does not get through early. A quiet period forgets the count. Visitors the
 * link already admitted come back without a code, so a flood of wrong codes
 * on a link delays only newcomers. The counts live in `counts`: this
 * process's memory, or the guest store shared by several relay processes.
 */
import type { RelayLimits } from './config.ts';
import { memoryCodeCounts, type GuestCodeCounts } from '../store/guest-code-counts.ts';

type Limits = Pick<RelayLimits, 'guestCodeFreeTriesPerIp' | 'guestCodeFreeTriesPerLink' | 'guestCodeDelayMs' | 'guestCodeMaxDelayMs' | 'guestCodeForgetMs'>;

export class GuestCodeGate {
  private readonly counts: GuestCodeCounts;

  constructor(private readonly limits: Limits, counts?: GuestCodeCounts) {
    this.counts = counts ?? memoryCodeCounts(limits);
  }

  /** Milliseconds before a code may be tried for `link` from `ip`; 0 = now. */
  async wait(link: string, ip: string, now: number): Promise<number> {
    const [a, b] = await Promise.all([this.counts.wait(`ip:${ip}`, now), this.counts.wait(`link:${link}`, now)]);
    return Math.max(a, b);
  }

  /** Counts a wrong code; returns the wait it imposes on the next try (0 while tries are free). */
  async failed(link: string, ip: string, now: number): Promise<number> {
    const [a, b] = await Promise.all([
      this.counts.failed(`ip:${ip}`, this.limits.guestCodeFreeTriesPerIp, now),
      this.counts.failed(`link:${link}`, this.limits.guestCodeFreeTriesPerLink, now),
    ]);
    return Math.max(a, b);
  }

  /** Drops counts older than the forget period (called from the relay's sweep). */
  sweep(now: number): void {
    this.counts.sweep(now);
  }

  get size(): number {
    return this.counts.size;
  }
}
