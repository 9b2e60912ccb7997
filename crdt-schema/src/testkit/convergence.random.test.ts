import { describe, expect, it } from 'vitest';
import { runConvergence } from './convergence.ts';
import { testSeed } from './prng.ts';

const FILE = 'crdt-schema/src/testkit/convergence.random.test.ts';

describe('convergence under a faulty network', () => {
  it('20 peers, 10,000 random schema operations, drops, duplicates, reorders and corruption: all peers end identical', () => {
    const seed = testSeed(FILE);
    const report = runConvergence({
      peers: 20,
      ops: 10_000,
      seed,
      file: FILE,
      faults: { drop: 0.1, duplicate: 0.05, reorder: 0.1, corrupt: 0.02, maxDelay: 4 },
    });
    console.log(
      `converged: ${report.docs} documents, ${report.rounds} rounds, ${Math.round(report.ms)} ms; transport ${JSON.stringify(report.stats)}`,
    );
    const s = report.stats;
    expect(s.dropped).toBeGreaterThan(0);
    expect(s.duplicated).toBeGreaterThan(0);
    expect(s.reordered).toBeGreaterThan(0);
    expect(s.corruptedDetected).toBeGreaterThan(0);
    expect(s.corruptedUndetected).toBe(0);
    expect(s.delivered).toBeGreaterThanOrEqual(s.sent);
    expect(Object.keys(report.ops).length).toBeGreaterThan(30);
  }, 120_000);
});
