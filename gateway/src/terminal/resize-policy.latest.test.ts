/** The terminal follows the most recently active writer's window, debounced; viewers letterbox. */
import type { DeviceId } from '@tendril/crdt-schema/ids';
import { describe, expect, it } from 'vitest';
import { ResizePolicy, type SizeChange } from './resize-policy.ts';
import { ManualTimers } from './test-support.ts';

const A = 'a'.repeat(43) as DeviceId;
const B = 'b'.repeat(43) as DeviceId;
const V = 'v'.repeat(43) as DeviceId;

function setup() {
  const timers = new ManualTimers();
  const writers = new Set([A, B]);
  const policy = new ResizePolicy({ initial: { cols: 80, rows: 24 }, isWriter: (d) => writers.has(d), debounceMs: 50, timers });
  const changes: SizeChange[] = [];
  policy.on('resize', (c) => changes.push(c));
  return { timers, writers, policy, changes };
}

describe('the resize policy', () => {
  it('follows the writer who was active last', () => {
    const { timers, policy, changes } = setup();
    policy.viewport(A, { cols: 100, rows: 30 });
    policy.viewport(B, { cols: 120, rows: 40 });
    policy.activity(A);
    timers.advance(50);
    policy.activity(B);
    timers.advance(50);
    expect(changes).toEqual([{ cols: 100, rows: 30, by: A }, { cols: 120, rows: 40, by: B }]);
  });

  it('ignores viewers', () => {
    const { timers, policy, changes } = setup();
    policy.viewport(V, { cols: 200, rows: 60 });
    policy.activity(V);
    timers.advance(100);
    expect(changes).toEqual([]);
    expect(policy.size).toEqual({ cols: 80, rows: 24, by: null });
  });

  it('debounces: only the settled size is applied', () => {
    const { timers, policy, changes } = setup();
    policy.activity(A);
    for (let cols = 81; cols <= 90; cols++) {
      policy.viewport(A, { cols, rows: 24 });
      timers.advance(10);
    }
    expect(changes).toEqual([]);
    timers.advance(50);
    expect(changes).toEqual([{ cols: 90, rows: 24, by: A }]);
  });

  it('does not resize when writers take turns at the same size', () => {
    const { timers, policy, changes } = setup();
    policy.viewport(A, { cols: 80, rows: 24 });
    policy.viewport(B, { cols: 80, rows: 24 });
    policy.activity(A);
    policy.activity(B);
    timers.advance(100);
    expect(changes).toEqual([]);
  });

  it('falls back to the previous writer when the latest one leaves or loses write access', () => {
    const { timers, writers, policy, changes } = setup();
    policy.viewport(A, { cols: 100, rows: 30 });
    policy.viewport(B, { cols: 120, rows: 40 });
    policy.activity(A);
    policy.activity(B);
    timers.advance(50);
    writers.delete(B);
    policy.forget(B);
    timers.advance(50);
    expect(changes.at(-1)).toEqual({ cols: 100, rows: 30, by: A });
  });

  it('ignores sizes that are not a grid', () => {
    const { timers, policy, changes } = setup();
    policy.activity(A);
    policy.viewport(A, { cols: 0, rows: 24 });
    policy.viewport(A, { cols: 80.5, rows: 24 });
    policy.viewport(A, { cols: 5000, rows: 24 });
    timers.advance(100);
    expect(changes).toEqual([]);
  });
});
