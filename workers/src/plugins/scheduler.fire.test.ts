import { describe, expect, it } from 'vitest';
import type { Timers } from '../llm/deps.ts';
import { parseCron } from './cron.ts';
import { CronScheduler } from './scheduler.ts';

/** A clock and timers that move only when the test advances them. */
function fakeClock(start: number) {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { due: number; fn: () => void }>();
  const t: Timers = {
    setTimeout: (fn, ms) => {
      timers.set(++seq, { due: now + ms, fn });
      return seq;
    },
    clearTimeout: (h) => void timers.delete(h as number),
  };
  return {
    timers: t,
    now: () => now,
    armed: () => [...timers.values()].map((x) => x.due - now),
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        const [id, first] = [...timers.entries()].sort((a, b) => a[1].due - b[1].due)[0] ?? [];
        if (id === undefined || first!.due > end) break;
        timers.delete(id);
        now = Math.max(now, first!.due);
        first!.fn();
      }
      now = end;
    },
    jump(ms: number) {
      now += ms;
    },
  };
}

const T0 = Date.parse('2025-03-10T10:00:30Z');
const cron = (e: string) => parseCron(e, { utc: true });

describe('cron scheduler', () => {
  it('fires at each cron time on the injected clock', () => {
    const c = fakeClock(T0);
    const fired: string[] = [];
    const s = new CronScheduler(c);
    s.set('a', cron('*/15 * * * *'), () => fired.push(new Date(c.now()).toISOString()));
    c.advance(46 * 60_000);
    expect(fired).toEqual(['2025-03-10T10:15:00.000Z', '2025-03-10T10:30:00.000Z', '2025-03-10T10:45:00.000Z']);
    expect(s.nextRun('a')).toBe(Date.parse('2025-03-10T11:00:00Z'));
  });

  it('never arms a timer for more than an hour and re-arms when it wakes early', () => {
    const c = fakeClock(T0);
    let fired = 0;
    const s = new CronScheduler(c);
    s.set('daily', cron('0 18 * * *'), () => fired++);
    expect(Math.max(...c.armed())).toBeLessThanOrEqual(3_600_000);
    c.advance(8 * 3_600_000);
    expect(fired).toBe(1);
    expect(s.nextRun('daily')).toBe(Date.parse('2025-03-11T18:00:00Z'));
  });

  it('fires once, not once per missed time, after the clock jumps (sleep)', () => {
    const c = fakeClock(T0);
    let fired = 0;
    const s = new CronScheduler(c);
    s.set('a', cron('* * * * *'), () => fired++);
    c.jump(3 * 3_600_000);
    c.advance(1);
    expect(fired).toBe(1);
  });

  it('stops firing a deleted job, and keeps firing when a job throws', () => {
    const c = fakeClock(T0);
    const fired: string[] = [];
    const errors: string[] = [];
    const s = new CronScheduler({ ...c, onError: (id, e) => errors.push(`${id}: ${(e as Error).message}`) });
    s.set('gone', cron('* * * * *'), () => fired.push('gone'));
    s.set('throws', cron('* * * * *'), () => {
      fired.push('throws');
      throw new Error('boom');
    });
    s.delete('gone');
    c.advance(120_000);
    expect(fired).toEqual(['throws', 'throws']);
    expect(errors).toEqual(['throws: boom', 'throws: boom']);
    s.stop();
    expect(c.armed()).toEqual([]);
  });
});
