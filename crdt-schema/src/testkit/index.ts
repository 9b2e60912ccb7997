/**
 * The test kit other packages use: seeded randomness, in-memory peers over a
 * faulty transport, random schema operations, state comparison and the
 * convergence runner.
 */
export * from './prng.ts';
export { checksumCodec, identityCodec, type Codec } from './codec.ts';
export { FaultyTransport, NO_FAULTS, type Deliver, type Faults, type TransportStats } from './faulty-transport.ts';
export { decodeFrame, encodeFrame, Network, Peer, REMOTE, type Transport } from './peers.ts';
export { DEFAULT_WEIGHTS, OPS, opPicker, randomOp, type OpName } from './random-ops.ts';
export type { Op, OpContext, SharedDocs } from './ops-context.ts';
export { canonicalDoc, normalize } from './canonical.ts';
export { comparePeers, describeDivergence, firstDifference, type Difference, type Divergence } from './compare.ts';
export { replayHint, runConvergence, type ConvergenceOptions, type ConvergenceReport, type RunHandle } from './convergence.ts';
export { docsWithClients, docWithClient, forkDoc, syncDocs } from './sync-docs.ts';
export { testIds, type TestIds } from './test-ids.ts';
export * from './fake-provider/index.ts';
export { codeOf } from './error-code.ts';
