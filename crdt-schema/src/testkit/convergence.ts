/**
 * The randomized convergence runner: N peers apply seeded random schema
 * operations while a faulty transport delivers their updates; then the
 * network settles and every peer must hold the same state. Any failure
 * throws an error naming the seed and the command that replays it.
 */
import { opPicker, randomOp, type OpName } from './random-ops.ts';
import { comparePeers, describeDivergence } from './compare.ts';
import type { Codec } from './codec.ts';
import { FaultyTransport, type Faults, type TransportStats } from './faulty-transport.ts';
import { docs, type OpContext, type SharedDocs } from './ops-context.ts';
import { Network, Peer } from './peers.ts';
import { createPrng } from './prng.ts';
import { testIds } from './test-ids.ts';

export interface ConvergenceOptions {
  readonly peers: number;
  readonly ops: number;
  readonly seed: number;
  readonly faults?: Partial<Faults>;
  /** Operations between two delivery rounds (default 20). */
  readonly opsPerRound?: number;
  /** Merge each peer's updates per document per round (default true). */
  readonly batch?: boolean;
  readonly weights?: Partial<Record<OpName, number>>;
  readonly codec?: Codec;
  /** The test file, for the replay command. */
  readonly file?: string;
  /** Called after each operation (tests use it to sabotage a run). */
  readonly afterOp?: (op: number, run: RunHandle) => void;
}

/** What a hook sees of a running convergence test. */
export interface RunHandle {
  readonly network: Network;
  /** An operation context for `peer`, sharing the run's randomness and clock. */
  context(peer: Peer): OpContext;
}

export interface ConvergenceReport {
  readonly seed: number;
  readonly rounds: number;
  readonly docs: number;
  readonly ops: Partial<Record<OpName, number>>;
  readonly stats: TransportStats;
  readonly ms: number;
}

export function replayHint(seed: number, file: string): string {
  return `seed ${seed}; replay: TENDRIL_SEED=${seed} npx vitest run ${file}`;
}

export function runConvergence(options: ConvergenceOptions): ConvergenceReport {
  const started = performance.now();
  const file = options.file ?? 'crdt-schema/src/testkit/convergence.random.test.ts';
  const fail = (message: string, cause?: unknown): never => {
    throw new Error(`convergence failed: ${message}\n${replayHint(options.seed, file)}`, { cause });
  };
  const prng = createPrng(options.seed);
  const ids = testIds(prng);
  const peers = Array.from({ length: options.peers }, (_, i) => new Peer(i, ids.deviceId()));
  const transport = new FaultyTransport(createPrng(options.seed ^ 0x5bd1e995), peers.length, { faults: options.faults, codec: options.codec });
  const network = new Network(peers, transport, options.batch ?? true);
  const shared: SharedDocs = { workspace: ids.docId(), settings: ids.docId(), permissions: ids.docId() };
  const plugins = [ids.pluginId(), ids.pluginId(), ids.pluginId()];
  const devices = peers.map((p) => p.device);
  const skew = peers.map(() => prng.int(-50, 50));
  let clock = 1_700_000_000_000;
  const context = (peer: Peer): OpContext => ({ prng, ids, peer, devices, plugins, shared, now: () => clock + skew[peer.index]! });

  docs(context(peers[0]!)).ws.init({ id: ids.workspaceId(), name: 'convergence', createdBy: devices[0] });
  const pick = opPicker(options.weights);
  const counts: Partial<Record<OpName, number>> = {};
  const perRound = options.opsPerRound ?? 20;
  for (let i = 0; i < options.ops; i++) {
    clock += prng.int(0, 3);
    const peer = prng.pick(peers);
    try {
      const name = randomOp(context(peer), pick);
      counts[name] = (counts[name] ?? 0) + 1;
    } catch (e) {
      fail(`operation ${i} on peer ${peer.index} threw: ${String(e)}`, e);
    }
    options.afterOp?.(i, { network, context });
    if ((i + 1) % perRound === 0) network.round();
  }
  if (!network.settle()) fail(`the network did not settle; ${transport.pending} messages still undelivered`);
  const divergence = comparePeers(peers, network.docIds());
  if (divergence !== undefined) fail(describeDivergence(divergence));
  return { seed: options.seed, rounds: network.rounds, docs: network.docIds().length, ops: counts, stats: { ...transport.stats }, ms: performance.now() - started };
}
