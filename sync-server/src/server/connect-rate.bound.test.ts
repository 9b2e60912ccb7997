import { describe, expect, it } from 'vitest';
import { ConnectRate } from './connect-rate.ts';

describe('new connections per address', () => {
  it('allows a burst, then the rate, per address', () => {
    const r = new ConnectRate({ connectsPerSecondPerIp: 2, connectBurstPerIp: 3 });
    expect([0, 0, 0].map(() => r.take('a', 1000))).toEqual([0, 0, 0]);
    expect(r.take('a', 1000)).toBe(500);
    expect(r.take('b', 1000)).toBe(0);
    expect(r.take('a', 1500)).toBe(0);
  });

  it('tells whether an address is being refused, once it was told, without counting a connection', () => {
    const r = new ConnectRate({ connectsPerSecondPerIp: 2, connectBurstPerIp: 2 });
    expect(r.refusing('a', 0)).toBe(0); // never seen
    r.take('a', 0);
    expect(r.refusing('a', 0)).toBe(0);
    expect(r.refusing('a', 0)).toBe(0); // looking takes nothing
    r.take('a', 0);
    expect(r.refusing('a', 0)).toBe(0); // empty, but not refused yet: the next one gets its 429
    expect(r.take('a', 0)).toBe(500);
    expect(r.refusing('a', 0)).toBe(500);
    expect(r.refusing('a', 500)).toBe(0);
    expect(r.take('a', 500)).toBe(0);
    expect(r.refusing('a', 500)).toBe(0);
  });

  it('forgets refilled addresses on a sweep and keeps at most maxAddresses', () => {
    const r = new ConnectRate({ connectsPerSecondPerIp: 10, connectBurstPerIp: 10 }, 2);
    r.take('a', 0);
    r.take('b', 0);
    r.take('c', 0); // the least recently seen ('a') goes
    expect(r.size).toBe(2);
    r.take('b', 500);
    r.sweep(1000); // 'c' refilled (1 s since seen), 'b' not yet
    expect(r.size).toBe(1);
  });
});
