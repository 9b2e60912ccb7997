import { describe, expect, it } from 'vitest';
import { parseCron } from './cron.ts';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const next = (expr: string, from: string): string | null => iso(parseCron(expr, { utc: true }).next(at(from)));

describe('cron next firing time (UTC)', () => {
  it.each([
    ['* * * * *', '2025-03-10T10:15:30Z', '2025-03-10T10:16:00.000Z'],
    ['*/15 * * * *', '2025-03-10T10:15:00Z', '2025-03-10T10:30:00.000Z'],
    ['0 18 * * *', '2025-03-10T18:00:00Z', '2025-03-11T18:00:00.000Z'],
    ['0 18 * * *', '2025-03-10T17:59:59Z', '2025-03-10T18:00:00.000Z'],
    ['30 9 * * MON-FRI', '2025-03-08T12:00:00Z', '2025-03-10T09:30:00.000Z'],
    ['0 0 1 * *', '2025-12-31T23:59:00Z', '2026-01-01T00:00:00.000Z'],
    ['0 12 29 2 *', '2025-03-01T00:00:00Z', '2028-02-29T12:00:00.000Z'],
    ['0 0 13 * 5', '2025-06-01T00:00:00Z', '2025-06-06T00:00:00.000Z'],
    ['5,35 */6 * JAN,jul ?', '2025-01-31T18:40:00Z', '2025-07-01T00:05:00.000Z'],
    ['0 0 * * 7', '2025-03-10T00:00:00Z', '2025-03-16T00:00:00.000Z'],
    ['10/20 * * * *', '2025-03-10T10:31:00Z', '2025-03-10T10:50:00.000Z'],
  ])('%s after %s is %s', (expr, from, want) => {
    expect(next(expr, from)).toBe(want);
  });

  it('ORs the day fields when both are restricted (day 13 or any Friday)', () => {
    // 2025-06-06 is a Friday, before the 13th.
    const c = parseCron('0 0 13 * FRI', { utc: true });
    expect(iso(c.next(at('2025-06-01T00:00:00Z')))).toBe('2025-06-06T00:00:00.000Z');
    expect(iso(c.next(at('2025-06-10T00:00:00Z')))).toBe('2025-06-13T00:00:00.000Z');
  });

  it('returns null for a date that never comes', () => {
    expect(next('0 0 31 2 *', '2025-01-01T00:00:00Z')).toBeNull();
  });

  it('matches exactly the minutes next() lands on', () => {
    const c = parseCron('*/7 3-5 * * *', { utc: true });
    let t = at('2025-03-10T00:00:00Z');
    for (let i = 0; i < 50; i++) {
      const n = c.next(t)!;
      expect(c.matches(n)).toBe(true);
      for (let m = t + 60_000; m < n; m += 60_000) if (m % 60_000 === 0) expect(c.matches(m)).toBe(false);
      t = n;
    }
  });

  it('uses local time unless told UTC', () => {
    const local = parseCron('0 18 * * *');
    const n = new Date(local.next(at('2025-03-10T00:00:00Z'))!);
    expect([n.getHours(), n.getMinutes()]).toEqual([18, 0]);
  });
});
