/**
 * The DocStore acceptance suite: what every DocStore must do, run by each
 * implementation from its own test file.
 *
 *   runDocStoreTests('indexeddb', () => ({ store, reopen }))
 *
 * `open` returns a fresh, empty store for one document; `reopen`, for
 * persistent stores, returns a store over the same data (as after a reload).
 */
import { describe, expect, it } from 'vitest';
import type { DocStore } from '../sync/doc-store.ts';

export interface DocStoreHarness {
  readonly store: DocStore;
  readonly reopen?: () => Promise<DocStore>;
}

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

export function runDocStoreTests(name: string, open: () => Promise<DocStoreHarness>): void {
  describe(`DocStore acceptance: ${name}`, () => {
    it('starts empty', async () => {
      const { store } = await open();
      expect(await store.load()).toEqual({ state: null, meta: null, outbox: [] });
    });

    it('returns the outbox in counter order, whatever order entries were put in', async () => {
      const { store } = await open();
      for (const c of [3, 1, 10, 2]) await store.putOutbox({ counter: c, envelope: bytes(c, c) });
      const { outbox } = await store.load();
      expect(outbox.map((e) => e.counter)).toEqual([1, 2, 3, 10]);
      expect(outbox[3]!.envelope).toEqual(bytes(10, 10));
    });

    it('drops acknowledged entries and records the meta in one step', async () => {
      const { store } = await open();
      for (const c of [1, 2, 3]) await store.putOutbox({ counter: c, envelope: bytes(c) });
      await store.ack([1, 3], { myCounter: 3, maxSeenSeq: 7 });
      const loaded = await store.load();
      expect(loaded.outbox.map((e) => e.counter)).toEqual([2]);
      expect(loaded.meta).toEqual({ myCounter: 3, maxSeenSeq: 7 });
      expect(loaded.state).toBeNull();
    });

    it('replaces the state, and never moves counters backwards', async () => {
      const { store } = await open();
      await store.saveState(bytes(1, 2, 3), { myCounter: 5, maxSeenSeq: 9 });
      await store.saveState(bytes(4), { myCounter: 4, maxSeenSeq: 12 });
      const loaded = await store.load();
      expect(loaded.state).toEqual(bytes(4));
      expect(loaded.meta).toEqual({ myCounter: 5, maxSeenSeq: 12 });
      await store.ack([], { myCounter: 1, maxSeenSeq: 1 });
      expect((await store.load()).meta).toEqual({ myCounter: 5, maxSeenSeq: 12 });
      expect((await store.load()).state).toEqual(bytes(4));
    });

    it('stores a copy of a view, not the buffer behind it', async () => {
      const { store } = await open();
      const big = new Uint8Array(1000).fill(7);
      await store.putOutbox({ counter: 1, envelope: big.subarray(10, 14) });
      big.fill(0);
      const { outbox } = await store.load();
      expect(outbox[0]!.envelope).toEqual(bytes(7, 7, 7, 7));
    });

    it('keeps everything across a reopen', async () => {
      const h = await open();
      if (!h.reopen) return;
      await h.store.putOutbox({ counter: 1, envelope: bytes(1) });
      await h.store.putOutbox({ counter: 2, envelope: bytes(2) });
      await h.store.ack([1], { myCounter: 2, maxSeenSeq: 4 });
      await h.store.saveState(bytes(9, 9), { myCounter: 2, maxSeenSeq: 5 });
      const again = await h.reopen();
      expect(await again.load()).toEqual({ state: bytes(9, 9), meta: { myCounter: 2, maxSeenSeq: 5 }, outbox: [{ counter: 2, envelope: bytes(2) }] });
    });
  });
}
