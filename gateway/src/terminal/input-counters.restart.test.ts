/**
 * Input counters across a gateway restart: a gate built over a store that an
 * earlier gate recorded into refuses the old frames as replays and lets fresh
 * ones through; a counter that cannot be recorded never reaches the shell;
 * marks are reserved ahead, so the store is written once per RESERVE frames,
 * not per keystroke, and never holds less than a counter that passed.
 */
import type { DeviceId, SessionId } from '@tendril/crdt-schema/ids';
import { describe, expect, it } from 'vitest';
import { InputGate, type DropReason, type InputFrame } from './input-gate.ts';
import { memoryCounterStore, persistCounters, RESERVE_AHEAD, type InputCounterStore } from './input-counters.ts';
import { runInputCounterStoreTests } from './input-counters.suite.ts';

const SESSION = 's'.repeat(22) as SessionId;
const OWNER = 'o'.repeat(43) as DeviceId;
const frame = (counter: number, text = 'ls\r'): InputFrame => ({ session: SESSION, counter, data: new TextEncoder().encode(text), device: OWNER });

function gateOver(store: InputCounterStore, log: DropReason[] = [], reserve?: number): InputGate {
  const rules = persistCounters(() => ({ verify: (f) => f.device ?? null, writers: () => [OWNER], log: (d) => log.push(d.reason) }), store, reserve);
  return new InputGate({ ...rules(SESSION), session: SESSION });
}

runInputCounterStoreTests('memory', async () => ({ store: memoryCounterStore() }), { persistent: false });

describe('input counters across a restart', () => {
  it('refuses a frame typed before the restart and passes fresh input', () => {
    const store = memoryCounterStore();
    const before = gateOver(store);
    expect(before.check(frame(10)).ok).toBe(true);
    expect(before.check(frame(12)).ok).toBe(true);

    const log: DropReason[] = [];
    const after = gateOver(store, log);
    expect(after.check(frame(12))).toMatchObject({ ok: false, reason: 'replay' });
    expect(after.check(frame(10))).toMatchObject({ ok: false, reason: 'replay' });
    // Counters up to the mark reserved before the restart stay refused: one of them may have been typed.
    expect(after.check(frame(10 + RESERVE_AHEAD))).toMatchObject({ ok: false, reason: 'replay' });
    expect(after.lastCounter(OWNER)).toBe(10 + RESERVE_AHEAD);
    expect(after.check(frame(11 + RESERVE_AHEAD)).ok).toBe(true);
    expect(log).toEqual(['replay', 'replay', 'replay']);
    expect(store.load(SESSION)).toEqual(new Map([[OWNER, 11 + 2 * RESERVE_AHEAD]]));
  });

  it('writes the store once per reserved run of counters, never below a counter that passed', () => {
    const store = memoryCounterStore();
    const writes: number[] = [];
    const counting: InputCounterStore = { ...store, record: (s, d, c) => (writes.push(c), store.record(s, d, c)) };
    const gate = gateOver(counting, [], 100);
    for (let c = 1; c <= 250; c++) {
      expect(gate.check(frame(c)).ok).toBe(true);
      expect(store.load(SESSION).get(OWNER)).toBeGreaterThanOrEqual(c);
    }
    expect(writes).toEqual([101, 202, 303]);
    // A jump past the mark is recorded before it passes.
    expect(gate.check(frame(5000)).ok).toBe(true);
    expect(writes.at(-1)).toBe(5100);
    // After a restart every counter up to the mark is a replay, and the next one reserves again.
    const after = gateOver(counting, [], 100);
    expect(after.check(frame(5100))).toMatchObject({ ok: false, reason: 'replay' });
    expect(after.check(frame(5101)).ok).toBe(true);
    expect(writes.at(-1)).toBe(5201);
  });

  it('records the counter before the frame passes, and drops a frame it could not record', () => {
    const store = memoryCounterStore();
    const seen: number[] = [];
    const failing: InputCounterStore = {
      ...store,
      record: (session, device, counter) => {
        seen.push(counter);
        if (counter === 2) throw new Error('disk full');
        store.record(session, device, counter);
      },
    };
    const log: DropReason[] = [];
    // No reservation ahead here: every counter is a store write.
    const gate = gateOver(failing, log, 0);
    expect(gate.check(frame(1)).ok).toBe(true);
    expect(store.load(SESSION).get(OWNER)).toBe(1);
    expect(gate.check(frame(2))).toMatchObject({ ok: false, reason: 'unrecorded' });
    expect(log).toEqual(['unrecorded']);
    // The unrecorded counter did not advance the gate.
    expect(gate.check(frame(3)).ok).toBe(true);
    expect(seen).toEqual([1, 2, 3]);
    // With a reservation, a mark that cannot be recorded drops its frame just the same.
    const reserving = gateOver({ ...store, record: () => { throw new Error('disk full'); } }, log);
    expect(reserving.check(frame(4))).toMatchObject({ ok: false, reason: 'unrecorded' });
  });
});
