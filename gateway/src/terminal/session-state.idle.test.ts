/** Idle after the configured quiet time, active again on the next activity. */
import { describe, expect, it } from 'vitest';
import { IdleTracker } from './session-state.ts';
import { ManualTimers } from './test-support.ts';

describe('the idle tracker', () => {
  it('goes idle only after a full quiet period, and wakes on activity', () => {
    const t = new ManualTimers();
    const idle = new IdleTracker(1000, t, t);
    const seen: boolean[] = [];
    idle.on('idle', (v) => seen.push(v));
    t.advance(600);
    idle.touch();
    t.advance(600);
    expect(seen).toEqual([]);
    t.advance(400);
    expect(seen).toEqual([true]);
    idle.touch();
    expect(seen).toEqual([true, false]);
    expect(idle.lastActivityAt).toBe(1600);
    t.advance(1000);
    expect(seen).toEqual([true, false, true]);
  });

  it('keeps a single timer however often activity happens', () => {
    const t = new ManualTimers();
    const idle = new IdleTracker(1000, t, t);
    for (let i = 0; i < 100; i++) idle.touch();
    expect(t.pending).toBe(1);
    idle.stop();
    expect(t.pending).toBe(0);
  });
});
