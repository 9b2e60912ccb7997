/** The cursor advances only over contiguous seqs; early seqs wait; a reset covers everything below it. */
import { describe, expect, it } from 'vitest';
import { createPrng, testSeed } from '../testkit/prng.ts';
import { SeqWindow } from './seq-window.ts';

describe('SeqWindow', () => {
  it('advances over contiguous seqs and holds early ones', () => {
    const w = new SeqWindow();
    w.add(2);
    w.add(3);
    expect(w.cursor).toBe(0);
    expect(w.pendingAbove).toBe(2);
    w.add(1);
    expect(w.cursor).toBe(3);
    expect(w.pendingAbove).toBe(0);
    expect(w.has(2)).toBe(true);
    expect(w.has(4)).toBe(false);
  });

  it('resets to a snapshot seq and keeps what lies above it', () => {
    const w = new SeqWindow();
    w.add(7);
    w.add(12);
    w.reset(6);
    expect(w.cursor).toBe(7);
    w.reset(3);
    expect(w.cursor).toBe(7);
    expect(w.has(12)).toBe(true);
  });

  it('ends at the highest seq for any arrival order of 1..n (seeded)', () => {
    const rng = createPrng(testSeed('crdt-schema/src/sync/seq-window.cursor.test.ts'));
    for (let round = 0; round < 50; round++) {
      const n = rng.int(1, 200);
      const w = new SeqWindow();
      for (const s of rng.shuffle(Array.from({ length: n }, (_, i) => i + 1))) w.add(s);
      expect(w.cursor).toBe(n);
      expect(w.pendingAbove).toBe(0);
    }
  });
});
