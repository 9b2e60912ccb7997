/** Replay from the bytes-capped ring, and "need snapshot" once a position was evicted. */
import { describe, expect, it } from 'vitest';
import { OutputStream } from './output-stream.ts';
import { ManualTimers } from './test-support.ts';

function filled(ringBytes: number, count: number, size = 10): OutputStream {
  const stream = new OutputStream({ ringBytes, timers: new ManualTimers() });
  for (let i = 0; i < count; i++) {
    stream.append(new Uint8Array(size).fill(i));
    stream.flush();
  }
  return stream;
}

describe('output replay', () => {
  it('returns exactly the batches from the asked seq on', () => {
    const stream = filled(1000, 5);
    const r = stream.replay(2);
    if (r.kind !== 'batches') throw new Error('expected batches');
    expect(r.batches.map((b) => [b.seq, b.offset, b.bytes[0]])).toEqual([
      [2, 20, 2],
      [3, 30, 3],
      [4, 40, 4],
    ]);
    expect(stream.replay(5)).toEqual({ kind: 'batches', batches: [] });
  });

  it('evicts oldest batches past the byte cap and answers need-snapshot for them', () => {
    const stream = filled(35, 10);
    expect(stream.replay(6)).toEqual({ kind: 'need-snapshot', oldestSeq: 7 });
    const r = stream.replay(7);
    expect(r.kind === 'batches' && r.batches.map((b) => b.seq)).toEqual([7, 8, 9]);
    expect(stream.heldBytes).toBe(30);
  });

  it('always keeps the newest batch, even when it alone passes the cap', () => {
    const stream = filled(5, 3, 10);
    const r = stream.replay(2);
    expect(r.kind === 'batches' && r.batches.length).toBe(1);
  });

  it('subscribes from a held seq with the missed batches queued first, then live ones', () => {
    const stream = filled(1000, 3);
    const r = stream.subscribe({ fromSeq: 1 });
    if (r.kind !== 'subscribed') throw new Error('expected a subscription');
    stream.append(new Uint8Array([9]));
    stream.flush();
    expect(r.subscription.take().map((b) => b.seq)).toEqual([1, 2, 3]);
  });

  it('refuses to subscribe from an evicted seq', () => {
    const stream = filled(20, 5);
    expect(stream.subscribe({ fromSeq: 0 })).toEqual({ kind: 'need-snapshot', oldestSeq: 3 });
  });

  it('rejects positions that are not seqs, and answers a seq it never issued with "need snapshot"', () => {
    const stream = filled(100, 2);
    expect(stream.replay(3)).toEqual({ kind: 'need-snapshot', oldestSeq: 0 });
    expect(() => stream.replay(-1)).toThrow(/not a seq/);
    expect(() => stream.replay(1.5)).toThrow(/not a seq/);
  });

  it('numbers from a start seq (a re-attached session), and sends an earlier run\'s viewers to a snapshot', () => {
    const stream = new OutputStream({ startSeq: 1_000_000, timers: new ManualTimers() });
    stream.append(new Uint8Array([1]));
    stream.flush();
    expect(stream.next.seq).toBe(1_000_001);
    expect(stream.replay(1_000_000)).toMatchObject({ kind: 'batches', batches: [{ seq: 1_000_000 }] });
    expect(stream.replay(17)).toEqual({ kind: 'need-snapshot', oldestSeq: 1_000_000 });
    expect(stream.replay(2_000_000)).toEqual({ kind: 'need-snapshot', oldestSeq: 1_000_000 });
  });

  it('compacts its storage over a long run without losing order', () => {
    const stream = filled(50, 5000, 10);
    const r = stream.replay(4995);
    expect(r.kind === 'batches' && r.batches.map((b) => b.bytes[0])).toEqual([4995, 4996, 4997, 4998, 4999].map((n) => n & 0xff));
  });
});
