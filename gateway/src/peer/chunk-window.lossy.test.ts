import { describe, expect, it } from 'vitest';
import { ChunkReceiver, ChunkSender } from './chunk-window.ts';

/** A seeded generator, so a failing run can be repeated. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function lossyPair(o: { total: number; seed: number; drop: number; dup: number; deliverAcks?: boolean }) {
  const random = prng(o.seed);
  const chunks = Array.from({ length: o.total }, (_, i) => Uint8Array.of(i & 0xff, (i >> 8) & 0xff, 7));
  const received: Uint8Array[] = [];
  let read = 0;
  let settle!: (v: 'done' | Error) => void;
  const outcome = new Promise<'done' | Error>((r) => (settle = r));
  const later = (f: () => void) => setTimeout(f, Math.floor(random() * 3));
  const receiver = new ChunkReceiver({
    total: o.total,
    accept: (bytes) => void received.push(bytes),
    ack: (next) => {
      if (o.deliverAcks === false || random() < o.drop) return;
      later(() => sender.ack(next));
    },
    onFail: (e) => settle(e as Error),
  });
  const sender = new ChunkSender({
    total: o.total,
    read: async () => chunks[read++]!,
    send: (index, bytes) => {
      if (random() < o.drop) return;
      later(() => receiver.take(index, bytes));
      if (random() < o.dup) later(() => receiver.take(index, bytes));
    },
    stallMs: 5,
    maxStalls: 50,
    onFail: (e) => settle(e as Error),
    onDone: () => settle('done'),
  });
  sender.start();
  return { outcome, received, chunks };
}

describe('chunk window over a lossy link', () => {
  it.each([1, 2, 3, 4, 5])('delivers every chunk once, in order, despite drops, duplicates and reordering (seed %i)', async (seed) => {
    const { outcome, received, chunks } = lossyPair({ total: 60, seed, drop: 0.2, dup: 0.2 });
    expect(await outcome).toBe('done');
    expect(received).toEqual(chunks);
  });

  it('gives up when the receiver never acknowledges', async () => {
    const { outcome } = lossyPair({ total: 5, seed: 9, drop: 0, dup: 0, deliverAcks: false });
    expect(await outcome).toBeInstanceOf(Error);
  });

  it('finishes an empty transfer at once', async () => {
    const { outcome, received } = lossyPair({ total: 0, seed: 1, drop: 0, dup: 0 });
    expect(await outcome).toBe('done');
    expect(received).toEqual([]);
  });
});
