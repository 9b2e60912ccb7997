import { describe, expect, it } from 'vitest';
import { identityCodec } from './codec.ts';
import { FaultyTransport, type Faults } from './faulty-transport.ts';
import { createPrng, testSeed } from './prng.ts';

const FILE = 'crdt-schema/src/testkit/faulty-transport.faults.test.ts';

/** Sends `n` numbered messages from peer 0 to peers 1..2 and runs rounds until the transport is empty. */
function run(faults: Partial<Faults>, n = 300, seed = testSeed(FILE), codec = undefined as ReturnType<typeof identityCodec> | undefined) {
  const t = new FaultyTransport(createPrng(seed), 3, { faults, codec });
  const received: number[][] = [[], [], []];
  for (let i = 0; i < n; i++) t.send(0, new Uint8Array([i >> 8, i & 255]));
  let rounds = 0;
  while (t.pending > 0 && rounds < 10_000) {
    t.round((to, _from, bytes) => received[to]!.push((bytes[0]! << 8) | bytes[1]!));
    rounds++;
  }
  return { t, received, rounds };
}

describe('faulty transport', () => {
  it('delivers everything once, in order, without faults', () => {
    const { t, received } = run({});
    const all = Array.from({ length: 300 }, (_, i) => i);
    expect(received).toEqual([[], all, all]);
    expect(t.stats).toMatchObject({ sent: 600, delivered: 600, dropped: 0, duplicated: 0, reordered: 0, corrupted: 0 });
  });

  it('eventually delivers every message despite heavy drops, corruption, duplicates and reordering', () => {
    const { t, received } = run({ drop: 0.4, corrupt: 0.2, duplicate: 0.2, reorder: 0.3 });
    for (const peer of [1, 2]) expect(new Set(received[peer])).toEqual(new Set(Array.from({ length: 300 }, (_, i) => i)));
    const s = t.stats;
    expect(s.dropped).toBeGreaterThan(0);
    expect(s.duplicated).toBeGreaterThan(0);
    expect(s.reordered).toBeGreaterThan(0);
    expect(s.corrupted).toBe(s.corruptedDetected);
    expect(s.delivered).toBe(600 + s.duplicated);
    expect(received[1]).not.toEqual([...received[1]!].sort((a, b) => a - b));
  });

  it('counts corruption a codec fails to detect', () => {
    const { t } = run({ corrupt: 0.3 }, 100, 7, identityCodec());
    expect(t.stats.corruptedUndetected).toBeGreaterThan(0);
    expect(t.stats.corruptedDetected).toBe(0);
  });

  it('is deterministic for a seed', () => {
    const a = run({ drop: 0.2, duplicate: 0.1, reorder: 0.2, corrupt: 0.1 }, 100, 42);
    const b = run({ drop: 0.2, duplicate: 0.1, reorder: 0.2, corrupt: 0.1 }, 100, 42);
    expect(a.received).toEqual(b.received);
    expect(a.t.stats).toEqual(b.t.stats);
  });
});
