/**
 * Randomized multi-peer convergence where every update crosses the network as
 * a real sealed envelope (signed, encrypted, counted), under drops,
 * duplicates, reorders and corruption. The seed is printed; replay with
 * TENDRIL_SEED=<seed>.
 */
import { describe, expect, it } from 'vitest';
import { loadCrypto } from '../crypto/load.ts';
import { runConvergence } from './convergence.ts';
import { envelopeCodec } from './envelope-codec.ts';
import { testSeed } from './prng.ts';

const FILE = 'crdt-schema/src/testkit/convergence.envelope.test.ts';
const crypto = await loadCrypto();

describe('convergence through the real envelope', () => {
  it('6 peers, 2,000 random schema operations sealed and opened as envelopes, with drops, duplicates, reorders and corruption: all peers end identical', () => {
    const seed = testSeed(FILE);
    const codec = envelopeCodec(crypto, 6);
    const report = runConvergence({
      peers: 6,
      ops: 2000,
      seed,
      file: FILE,
      codec,
      faults: { drop: 0.1, duplicate: 0.1, reorder: 0.1, corrupt: 0.05, maxDelay: 3 },
    });
    const s = report.stats;
    console.log(`converged: ${report.docs} documents, ${report.rounds} rounds, ${codec.sealed} envelopes; transport ${JSON.stringify(s)}`);
    expect(codec.sealed).toBeGreaterThan(300);
    expect(s.dropped).toBeGreaterThan(0);
    expect(s.reordered).toBeGreaterThan(0);
    expect(s.corruptedDetected).toBeGreaterThan(0);
    expect(s.corruptedUndetected).toBe(0);
    // Duplicates reach the envelope's replay check and are dropped there; reorders across a sender's counters are held there.
    expect(s.replaysDropped).toBeGreaterThan(0);
    expect(s.gapsHeld).toBeGreaterThan(0);
    expect(s.delivered).toBe(s.sent);
  }, 120_000);
});
