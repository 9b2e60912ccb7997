import { describe, expect, it } from 'vitest';
import { deviceIdFromPublicKey } from '../ids.ts';
import { createCounterTracker, restoreCounterTracker } from './counters.ts';
import { EnvelopeKind } from './header.ts';
import { codeOf } from '../testkit/error-code.ts';

const a = deviceIdFromPublicKey(new Uint8Array(32).fill(1));
const b = deviceIdFromPublicKey(new Uint8Array(32).fill(2));
const { Update, Snapshot } = EnvelopeKind;

describe('counter tracker', () => {
  it('accepts only last+1 for updates and leaves state alone on check', () => {
    const t = createCounterTracker();
    expect(codeOf(() => t.check(a, Update, 1))).toBe('ok');
    expect(codeOf(() => t.check(a, Update, 2))).toBe('E_COUNTER_GAP');
    expect(t.lastUpdate(a)).toBe(0);
    t.commit(a, Update, 1);
    expect(t.lastUpdate(a)).toBe(1);
    expect(codeOf(() => t.check(a, Update, 1))).toBe('E_REPLAY');
    expect(codeOf(() => t.check(a, Update, 0))).toBe('E_REPLAY');
    expect(codeOf(() => t.commit(a, Update, 3))).toBe('E_COUNTER_GAP');
    expect(t.lastUpdate(a)).toBe(1);
    expect(t.lastUpdate(b)).toBe(0);
  });

  it('lets snapshot counters skip ahead but never go back, separately from updates', () => {
    const t = createCounterTracker();
    t.commit(a, Update, 1);
    expect(codeOf(() => t.check(a, Snapshot, 5))).toBe('ok');
    t.commit(a, Snapshot, 5);
    expect(codeOf(() => t.check(a, Snapshot, 5))).toBe('E_REPLAY');
    expect(codeOf(() => t.check(a, Snapshot, 4))).toBe('E_REPLAY');
    expect(t.lastUpdate(a)).toBe(1);
    expect(codeOf(() => t.check(a, Update, 2))).toBe('ok');
  });

  it('advances to what a snapshot covers without ever lowering a counter', () => {
    const t = createCounterTracker();
    for (let i = 1; i <= 7; i++) t.commit(b, Update, i);
    t.advanceTo(new Map([[a, 10], [b, 3]]));
    expect(t.lastUpdate(a)).toBe(10);
    expect(t.lastUpdate(b)).toBe(7);
    expect(codeOf(() => t.check(a, Update, 10))).toBe('E_REPLAY');
    expect(codeOf(() => t.check(a, Update, 11))).toBe('ok');
    expect(codeOf(() => t.advanceTo(new Map([[a, -1]])))).toBe('E_BAD_INPUT');
  });

  it('stages a copy that does not touch the original', () => {
    const t = createCounterTracker();
    const s = t.staged();
    s.commit(a, Update, 1);
    s.commit(a, Update, 2);
    expect(s.lastUpdate(a)).toBe(2);
    expect(t.lastUpdate(a)).toBe(0);
  });

  it('survives a JSON round trip and refuses malformed saves', () => {
    const t = createCounterTracker();
    t.commit(a, Update, 1);
    t.commit(a, Update, 2);
    t.commit(b, Snapshot, 4);
    const back = restoreCounterTracker(JSON.parse(JSON.stringify(t.toJSON())));
    expect(back.lastUpdate(a)).toBe(2);
    expect(back.lastSnapshot(b)).toBe(4);
    expect(back.toJSON()).toEqual(t.toJSON());
    expect(codeOf(() => restoreCounterTracker({ v: 1, updates: [[a, -2]], snapshots: [] }))).toBe('E_BAD_INPUT');
    expect(codeOf(() => restoreCounterTracker({ v: 1, updates: [['nope', 2]], snapshots: [] }))).toBe('E_BAD_ID');
    expect(codeOf(() => restoreCounterTracker({ v: 2, updates: [], snapshots: [] }))).toBe('E_BAD_INPUT');
  });
});
