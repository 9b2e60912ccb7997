/**
 * The DocStore acceptance suite: what every DocStore must do, run by each
 * implementation from its own test file (memory here, IndexedDB in
 * browser/, SQLite in workers/test/).
 *
 *   runDocStoreTests('indexeddb', () => ({ store, reopen }))
 *
 * `open` returns a fresh, empty store for one document; `reopen`, for
 * persistent stores, returns a store over the same data as a restart would
 * find it: whatever a resolved call wrote, and nothing else (no close and no
 * compaction run in between, as after a crash).
 */
import { describe, expect, it } from 'vitest';
import type { DocStore, UpdateRecord } from './doc-store.ts';

export interface DocStoreHarness {
  readonly store: DocStore;
  readonly reopen?: () => Promise<DocStore>;
}

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const rec = (id: number): UpdateRecord => ({ id, sealed: bytes(id, id, id) });
const ids = (rs: readonly UpdateRecord[]): number[] => rs.map((r) => r.id);

export function runDocStoreTests(name: string, open: () => Promise<DocStoreHarness>): void {
  describe(`DocStore acceptance: ${name}`, () => {
    it('starts empty', async () => {
      const { store } = await open();
      expect(await store.load()).toEqual({ state: null, updates: [], meta: null, outbox: [] });
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

    it('appends records in id order, and an ack in the same step moves changes from the outbox to the log', async () => {
      const { store } = await open();
      await store.putOutbox({ counter: 1, envelope: bytes(1) });
      await store.putOutbox({ counter: 2, envelope: bytes(2) });
      await store.append([rec(1), rec(2)], { myCounter: 0, maxSeenSeq: 2 });
      await store.append([rec(3)], { myCounter: 2, maxSeenSeq: 3 }, [1]);
      const loaded = await store.load();
      expect(loaded.updates).toEqual([rec(1), rec(2), rec(3)]);
      expect(loaded.outbox.map((e) => e.counter)).toEqual([2]);
      expect(loaded.meta).toEqual({ myCounter: 2, maxSeenSeq: 3 });
      expect(loaded.state).toBeNull();
    });

    it('compacts: replaces the state and deletes exactly the records it includes, never a later one', async () => {
      const { store } = await open();
      await store.append([1, 2, 3, 4, 5].map(rec), { myCounter: 0, maxSeenSeq: 5 });
      await store.compact(bytes(9), 3, { myCounter: 0, maxSeenSeq: 5 });
      await store.append([rec(6)], { myCounter: 0, maxSeenSeq: 6 });
      let loaded = await store.load();
      expect(loaded.state).toEqual(bytes(9));
      expect(ids(loaded.updates)).toEqual([4, 5, 6]);
      await store.compact(bytes(8, 8), 6, { myCounter: 0, maxSeenSeq: 6 });
      loaded = await store.load();
      expect(loaded.state).toEqual(bytes(8, 8));
      expect(loaded.updates).toEqual([]);
      // Once no record is left, ids may start again.
      await store.append([rec(1)], { myCounter: 0, maxSeenSeq: 6 });
      expect(ids((await store.load()).updates)).toEqual([1]);
    });

    it('compaction leaves the outbox alone', async () => {
      const { store } = await open();
      await store.putOutbox({ counter: 4, envelope: bytes(4) });
      await store.append([rec(1)], { myCounter: 4, maxSeenSeq: 1 });
      await store.compact(bytes(7), 1, { myCounter: 4, maxSeenSeq: 1 });
      expect((await store.load()).outbox).toEqual([{ counter: 4, envelope: bytes(4) }]);
    });

    it('replaces the state, and never moves counters backwards', async () => {
      const { store } = await open();
      await store.compact(bytes(1, 2, 3), 0, { myCounter: 5, maxSeenSeq: 9 });
      await store.compact(bytes(4), 0, { myCounter: 4, maxSeenSeq: 12 });
      const loaded = await store.load();
      expect(loaded.state).toEqual(bytes(4));
      expect(loaded.meta).toEqual({ myCounter: 5, maxSeenSeq: 12 });
      await store.ack([], { myCounter: 1, maxSeenSeq: 1 });
      expect((await store.load()).meta).toEqual({ myCounter: 5, maxSeenSeq: 12 });
      await store.append([rec(1)], { myCounter: 2, maxSeenSeq: 2 });
      expect((await store.load()).meta).toEqual({ myCounter: 5, maxSeenSeq: 12 });
      expect((await store.load()).state).toEqual(bytes(4));
    });

    it('keeps the hash-chain head of the highest counter, across appends, compactions and a reopen', async () => {
      const h = await open();
      const link = (n: number): Uint8Array => new Uint8Array(16).fill(n);
      await h.store.append([], { myCounter: 3, maxSeenSeq: 1, chainHead: { counter: 3, link: link(3) } });
      await h.store.compact(bytes(1), 0, { myCounter: 3, maxSeenSeq: 2, chainHead: { counter: 2, link: link(2) } });
      await h.store.ack([], { myCounter: 3, maxSeenSeq: 2 });
      expect((await h.store.load()).meta).toEqual({ myCounter: 3, maxSeenSeq: 2, chainHead: { counter: 3, link: link(3) } });
      await h.store.compact(bytes(2), 0, { myCounter: 4, maxSeenSeq: 2, chainHead: { counter: 4, link: link(4) } });
      const again = h.reopen ? await h.reopen() : h.store;
      expect((await again.load()).meta).toEqual({ myCounter: 4, maxSeenSeq: 2, chainHead: { counter: 4, link: link(4) } });
    });

    it('stores a copy of a view, not the buffer behind it', async () => {
      const { store } = await open();
      const big = new Uint8Array(1000).fill(7);
      await store.putOutbox({ counter: 1, envelope: big.subarray(10, 14) });
      await store.append([{ id: 1, sealed: big.subarray(20, 23) }], { myCounter: 1, maxSeenSeq: 0 });
      await store.compact(big.subarray(30, 32), 0, { myCounter: 1, maxSeenSeq: 0 });
      big.fill(0);
      const loaded = await store.load();
      expect(loaded.outbox[0]!.envelope).toEqual(bytes(7, 7, 7, 7));
      expect(loaded.updates[0]!.sealed).toEqual(bytes(7, 7, 7));
      expect(loaded.state).toEqual(bytes(7, 7));
    });

    it('keeps everything across a reopen', async () => {
      const h = await open();
      if (!h.reopen) return;
      await h.store.putOutbox({ counter: 1, envelope: bytes(1) });
      await h.store.putOutbox({ counter: 2, envelope: bytes(2) });
      await h.store.ack([1], { myCounter: 2, maxSeenSeq: 4 });
      await h.store.compact(bytes(9, 9), 0, { myCounter: 2, maxSeenSeq: 5 });
      await h.store.append([rec(1)], { myCounter: 2, maxSeenSeq: 6 });
      const again = await h.reopen();
      expect(await again.load()).toEqual({ state: bytes(9, 9), updates: [rec(1)], meta: { myCounter: 2, maxSeenSeq: 6 }, outbox: [{ counter: 2, envelope: bytes(2) }] });
    });

    it('a restart before any compaction finds every appended record, in order', async () => {
      const h = await open();
      if (!h.reopen) return;
      for (let i = 1; i <= 40; i++) await h.store.append([rec(i)], { myCounter: 0, maxSeenSeq: i });
      await h.store.append([41, 42, 43].map(rec), { myCounter: 0, maxSeenSeq: 43 });
      const loaded = await (await h.reopen()).load();
      expect(ids(loaded.updates)).toEqual(Array.from({ length: 43 }, (_, i) => i + 1));
      expect(loaded.updates[42]!.sealed).toEqual(bytes(43, 43, 43));
      expect(loaded.state).toBeNull();
    });

    it('a restart right after a compaction finds the state and every later record, and none it includes', async () => {
      const h = await open();
      if (!h.reopen) return;
      await h.store.append([1, 2, 3].map(rec), { myCounter: 0, maxSeenSeq: 3 });
      // Records numbered after the state was sealed land before the compaction is written.
      await h.store.append([rec(4)], { myCounter: 0, maxSeenSeq: 4 });
      await h.store.compact(bytes(3, 3), 3, { myCounter: 0, maxSeenSeq: 3 });
      const loaded = await (await h.reopen()).load();
      expect(loaded.state).toEqual(bytes(3, 3));
      expect(loaded.updates).toEqual([rec(4)]);
      expect(loaded.meta).toEqual({ myCounter: 0, maxSeenSeq: 4 });
    });
  });
}
