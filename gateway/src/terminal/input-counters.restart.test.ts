/**
 * Input counters across a gateway restart: a gate built over a store that an
 * earlier gate recorded into refuses the old frames as replays and lets fresh
 * ones through; a counter that cannot be recorded never reaches the shell.
 */
import type { DeviceId, SessionId } from '@tendril/crdt-schema/ids';
import { describe, expect, it } from 'vitest';
import { InputGate, type DropReason, type InputFrame } from './input-gate.ts';
import { memoryCounterStore, persistCounters, type InputCounterStore } from './input-counters.ts';
import { runInputCounterStoreTests } from './input-counters.suite.ts';

const SESSION = 's'.repeat(22) as SessionId;
const OWNER = 'o'.repeat(43) as DeviceId;
const frame = (counter: number, text = 'ls\r'): InputFrame => ({ session: SESSION, counter, data: new TextEncoder().encode(text), device: OWNER });

function gateOver(store: InputCounterStore, log: DropReason[] = []): InputGate {
  const rules = persistCounters(() => ({ verify: (f) => f.device ?? null, writers: () => [OWNER], log: (d) => log.push(d.reason) }), store);
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
    expect(after.check(frame(13)).ok).toBe(true);
    expect(log).toEqual(['replay', 'replay']);
    expect(store.load(SESSION)).toEqual(new Map([[OWNER, 13]]));
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
    const gate = gateOver(failing, log);
    expect(gate.check(frame(1)).ok).toBe(true);
    expect(store.load(SESSION).get(OWNER)).toBe(1);
    expect(gate.check(frame(2))).toMatchObject({ ok: false, reason: 'unrecorded' });
    expect(log).toEqual(['unrecorded']);
    // The unrecorded counter did not advance the gate.
    expect(gate.check(frame(3)).ok).toBe(true);
    expect(seen).toEqual([1, 2, 3]);
  });
});
