import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from './config.ts';
import { GuestCodeGate } from './guest-code-gate.ts';

const limits = { ...DEFAULT_LIMITS, guestCodeFreeTriesPerIp: 3, guestCodeFreeTriesPerLink: 5, guestCodeDelayMs: 1000, guestCodeMaxDelayMs: 8000, guestCodeForgetMs: 60_000 };

describe('guest code gate', () => {
  it('lets a few wrong codes through, then doubles the wait per wrong code up to the ceiling', async () => {
    const gate = new GuestCodeGate(limits);
    const waits: number[] = [];
    let now = 0;
    for (let i = 0; i < 8; i++) {
      expect(await gate.wait('L', '1.2.3.4', now)).toBe(0);
      const w = await gate.failed('L', '1.2.3.4', now);
      waits.push(w);
      expect(await gate.wait('L', '1.2.3.4', now)).toBe(w);
      now += w;
    }
    expect(waits).toEqual([0, 0, 0, 1000, 2000, 4000, 8000, 8000]);
  });

  it('slows a link guessed from many addresses, and leaves other links and addresses alone', async () => {
    const gate = new GuestCodeGate(limits);
    for (let i = 0; i < 5; i++) await gate.failed('L', `10.0.0.${i}`, 0);
    expect(await gate.wait('L', '10.0.0.99', 0)).toBe(0);
    await gate.failed('L', '10.0.0.6', 0);
    expect(await gate.wait('L', '10.0.0.99', 0)).toBe(1000);
    expect(await gate.wait('M', '10.0.0.99', 0)).toBe(0);
  });

  it('forgets after a quiet period', async () => {
    const gate = new GuestCodeGate(limits);
    for (let i = 0; i < 4; i++) await gate.failed('L', 'a', 0);
    expect(await gate.wait('L', 'a', 500)).toBe(500);
    expect(await gate.wait('L', 'a', 60_000)).toBe(0);
    gate.sweep(60_000);
    expect(gate.size).toBe(0);
    expect(await gate.failed('L', 'a', 60_000)).toBe(0);
  });
});
