/** Periodic snapshots: by time, by bytes, never closer than the floor, none without output. */
import { describe, expect, it } from 'vitest';
import { SnapshotSchedule } from './snapshot-schedule.ts';
import { ManualTimers } from './test-support.ts';

function setup() {
  const t = new ManualTimers();
  const taken: number[] = [];
  const s = new SnapshotSchedule({ everyMs: 10_000, everyBytes: 1000, minIntervalMs: 2000 }, t, t, () => taken.push(t.now()));
  return { t, s, taken };
}

describe('the snapshot schedule', () => {
  it('takes one snapshot a period after output first appears', () => {
    const { t, s, taken } = setup();
    t.advance(500);
    s.output(10);
    t.advance(5000);
    s.output(10);
    t.advance(5000);
    expect(taken).toEqual([10_500]);
    t.advance(60_000);
    expect(taken).toEqual([10_500]);
  });

  it('takes one at once when enough bytes accumulate', () => {
    const { t, s, taken } = setup();
    s.output(600);
    s.output(600);
    t.advance(0);
    expect(taken).toEqual([0]);
  });

  it('spaces byte-triggered snapshots by the floor during a flood', () => {
    const { t, s, taken } = setup();
    for (let i = 0; i < 100; i++) {
      s.output(5000);
      t.advance(100);
    }
    expect(taken).toEqual([0, 2000, 4000, 6000, 8000, 10_000]);
  });

  it('stops', () => {
    const { t, s, taken } = setup();
    s.output(10);
    s.stop();
    t.advance(20_000);
    expect(taken).toEqual([]);
  });
});
