/** Group commit: one commit per event-loop turn, results in order, per-item and whole-batch failures. */
import { describe, expect, it } from 'vitest';
import { isTendrilError } from '@tendril/crdt-schema/errors';
import { createGroupCommit } from './group-commit.ts';

describe('group commit', () => {
  it('commits everything submitted in one turn together, and settles only after the commit', async () => {
    const batches: number[][] = [];
    let committed = false;
    const gc = createGroupCommit<number, number>({
      commit: (items) => {
        batches.push([...items]);
        committed = true;
        return items.map((i) => i * 10);
      },
    });
    const settled: number[] = [];
    const all = [1, 2, 3].map((i) => gc.submit(i).then((v) => (expect(committed).toBe(true), settled.push(v), v)));
    expect(gc.pending).toBe(3);
    expect(await Promise.all(all)).toEqual([10, 20, 30]);
    expect(settled).toEqual([10, 20, 30]);
    expect(await gc.submit(4)).toBe(40);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('splits at maxBatch and gathers over a window', async () => {
    const batches: number[][] = [];
    const gc = createGroupCommit<number, number>({ commit: (items) => (batches.push([...items]), [...items]), maxBatch: 2, windowMs: 5 });
    const first = gc.submit(1);
    await new Promise((r) => setImmediate(r));
    await Promise.all([first, gc.submit(2), gc.submit(3)]);
    expect(batches).toEqual([[1, 2], [3]]);
  });

  it('fails one item for an Error in its slot, and every item when the commit throws', async () => {
    let fail = false;
    const gc = createGroupCommit<number, number>({
      commit: (items) => {
        if (fail) throw new Error('disk full');
        return items.map((i) => (i === 2 ? new Error('bad item') : i));
      },
    });
    const results = await Promise.allSettled([gc.submit(1), gc.submit(2), gc.submit(3)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    fail = true;
    const failed = await Promise.allSettled([gc.submit(4), gc.submit(5)]);
    for (const r of failed) expect(r.status === 'rejected' && isTendrilError(r.reason, 'E_STORE_FAILED')).toBe(true);
  });

  it('flushes synchronously on demand', async () => {
    const batches: number[][] = [];
    const gc = createGroupCommit<number, number>({ commit: (items) => (batches.push([...items]), [...items]) });
    const p = gc.submit(7);
    gc.flush();
    expect(batches).toEqual([[7]]);
    expect(await p).toBe(7);
  });
});
