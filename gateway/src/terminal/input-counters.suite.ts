/**
 * The acceptance suite every InputCounterStore runs: counters per session and
 * device, never lowered, kept across a reopen when the store persists, and
 * dropped by session on `forget`.
 */
import type { DeviceId, SessionId } from '@tendril/crdt-schema/ids';
import { describe, expect, it } from 'vitest';
import type { InputCounterStore } from './input-counters.ts';

const S1 = 'a'.repeat(22) as SessionId;
const S2 = 'b'.repeat(22) as SessionId;
const D1 = 'c'.repeat(43) as DeviceId;
const D2 = 'd'.repeat(43) as DeviceId;

/** An empty store, and for a persistent one a way to open it again over the same data. */
export interface OpenedStore {
  readonly store: InputCounterStore;
  readonly reopen?: () => InputCounterStore;
}

export function runInputCounterStoreTests(name: string, open: () => Promise<OpenedStore>, o: { persistent: boolean }): void {
  describe(`input counter store: ${name}`, () => {
    it('keeps the highest counter per session and device', async () => {
      const { store } = await open();
      expect(store.load(S1)).toEqual(new Map());
      store.record(S1, D1, 1_700_000_000_000_001);
      store.record(S1, D1, 5);
      store.record(S1, D2, 7);
      store.record(S2, D1, 9);
      expect(store.load(S1)).toEqual(new Map([[D1, 1_700_000_000_000_001], [D2, 7]]));
      expect(store.load(S2)).toEqual(new Map([[D1, 9]]));
    });

    it.runIf(o.persistent)('still has every counter after a reopen', async () => {
      const { store, reopen } = await open();
      store.record(S1, D1, 41);
      store.record(S1, D1, 42);
      store.record(S2, D2, 1);
      const again = reopen!();
      expect(again.load(S1)).toEqual(new Map([[D1, 42]]));
      expect(again.load(S2)).toEqual(new Map([[D2, 1]]));
    });
  });
}
