import { describe, expect, it } from 'vitest';
import type { DeviceId } from '../ids.ts';
import { backupDue, DEFAULT_SCHEDULE, leaseDecision } from './schedule.ts';

const a = 'devA' as DeviceId;
const b = 'devB' as DeviceId;
const HOUR = 3_600_000;

describe('backup schedule and lease', () => {
  it('is due daily, or early after a large change but not more often than the minimum gap', () => {
    const s = DEFAULT_SCHEDULE;
    expect(backupDue(s, null, 0, 0)).toBe(true);
    expect(backupDue(s, 0, 0, 23 * HOUR)).toBe(false);
    expect(backupDue(s, 0, 0, 24 * HOUR)).toBe(true);
    expect(backupDue(s, 0, s.bigChangeBytes, s.minGapMs - 1)).toBe(false);
    expect(backupDue(s, 0, s.bigChangeBytes, s.minGapMs)).toBe(true);
    expect(backupDue(s, 0, s.bigChangeBytes - 1, s.minGapMs)).toBe(false);
  });

  it('lets one device hold the lease until it expires', () => {
    expect(leaseDecision(null, a, 0)).toBe('take');
    expect(leaseDecision({ device: a, until: 10 }, a, 5)).toBe('mine');
    expect(leaseDecision({ device: a, until: 10 }, b, 5)).toBe('other');
    expect(leaseDecision({ device: a, until: 10 }, b, 10)).toBe('take');
  });
});
