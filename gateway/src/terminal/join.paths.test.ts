/** Joining: replay when possible, else a snapshot aligned with a live subscription, else the ring. */
import { describe, expect, it } from 'vitest';
import { joinStream } from './join.ts';
import { OutputStream } from './output-stream.ts';
import type { ScreenSnapshot } from './snapshot.ts';
import { ManualTimers } from './test-support.ts';

function stream(batches: number, ringBytes = 1000): OutputStream {
  const s = new OutputStream({ ringBytes, timers: new ManualTimers() });
  for (let i = 0; i < batches; i++) {
    s.append(new Uint8Array(10).fill(i));
    s.flush();
  }
  return s;
}
const snap = (coversSeq: number): ScreenSnapshot => ({ coversSeq, coversOffset: coversSeq * 10, cols: 80, rows: 24, scrollbackLines: 0, gzip: new Uint8Array(1), takenAt: 0 });

describe('joining a session', () => {
  it('replays from a held position without a snapshot', async () => {
    const s = stream(5);
    const j = await joinStream(s, () => Promise.reject(new Error('no snapshot needed')), { fromSeq: 2 });
    expect(j.snapshot).toBeUndefined();
    expect(j.subscription.take().map((b) => b.seq)).toEqual([2, 3, 4]);
  });

  it('aligns a snapshot with a live subscription opened before it, even past the ring', async () => {
    const s = stream(10, 30);
    const j = await joinStream(s, async () => {
      s.append(new Uint8Array([1]));
      s.flush();
      s.append(new Uint8Array([2]));
      s.flush();
      return snap(10);
    }, { fromSeq: 0 });
    expect(j.snapshot?.coversSeq).toBe(10);
    expect(j.subscription.take().map((b) => b.seq)).toEqual([10, 11]);
  });

  it('skips what a snapshot covers past the join position, even when the ring has moved on', async () => {
    const s = stream(10, 30);
    const j = await joinStream(s, async () => {
      for (let i = 0; i < 6; i++) {
        s.append(new Uint8Array(10).fill(i));
        s.flush();
      }
      return snap(12); // a mirror that rebuilt covers batches published after the join began
    }, { fromSeq: 0 });
    expect(j.snapshot?.coversSeq).toBe(12);
    expect(j.subscription.take().map((b) => b.seq)).toEqual([12, 13, 14, 15]);
  });

  it('falls back to the ring when the snapshot covers more than was asked', async () => {
    const s = stream(3);
    const j = await joinStream(s, async () => {
      s.append(new Uint8Array([1]));
      s.flush();
      return snap(4);
    });
    expect(j.subscription.take().map((b) => b.seq)).toEqual([]);
    expect(j.snapshot?.coversSeq).toBe(4);
    expect(s.subscriberCount).toBe(1);
  });

  it('closes the live subscription when no snapshot can be had', async () => {
    const s = stream(3);
    await expect(joinStream(s, () => Promise.reject(new Error('mirror gone')))).rejects.toThrow('mirror gone');
    expect(s.subscriberCount).toBe(0);
  });
});
