import { describe, expect, it } from 'vitest';
import { runConvergence } from './convergence.ts';
import { testSeed } from './prng.ts';
import { OPS } from './random-ops.ts';

const FILE = 'crdt-schema/src/testkit/convergence.divergence.test.ts';
const FAULTS = { drop: 0.1, duplicate: 0.05, reorder: 0.1, corrupt: 0.02 };

describe('the convergence check can fail', () => {
  it('reports a peer that applies an operation locally but never sends it, with the seed and replay command', () => {
    const seed = testSeed(FILE);
    const run = (): unknown =>
      runConvergence({
        peers: 5, ops: 400, seed, file: FILE, faults: FAULTS,
        afterOp: (op, handle) => {
          if (op !== 399) return;
          const peer = handle.network.peers[3]!;
          peer.muted = true;
          OPS.renameWorkspace(handle.context(peer));
          peer.muted = false;
        },
      });
    expect(run).toThrow(/peer 3 differs from peer 0 in the state vector of document/);
    expect(run).toThrow(`TENDRIL_SEED=${seed} npx vitest run ${FILE}`);
  });

  it('replays the same run from the same seed', () => {
    const seed = testSeed(FILE);
    const a = runConvergence({ peers: 4, ops: 300, seed, faults: FAULTS });
    const b = runConvergence({ peers: 4, ops: 300, seed, faults: FAULTS });
    expect({ ...a, ms: 0 }).toEqual({ ...b, ms: 0 });
  });
});
