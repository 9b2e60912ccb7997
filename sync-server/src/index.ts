/**
 * @tendril/sync-server: the blind relay. It stores and forwards sealed
 * envelopes and never holds a key. `startRelay` runs it from plain options;
 * `createRelay` assembles it from injected parts; the store interface and its
 * implementations are exported for embedding and for other stores'
 * acceptance runs (see ./store-acceptance).
 */
export { startRelay, DEFAULT_PORT, DEFAULT_HOST, DEFAULT_DATA_DIR, DATABASE_FILE } from './start.ts';
export type { StartRelayConfig, RunningRelay } from './start.ts';
export { parseRelayOptions, USAGE as RELAY_USAGE } from './options.ts';
export { runRelayProgram, appBuildDir, type RelayProgramIo } from './program.ts';
export { createRelay } from './server/relay.ts';
export type { Relay, RelayDeps } from './server/relay.ts';
export type { HttpRoute } from './server/http-routes.ts';
export { DEFAULT_LIMITS, resolveLimits } from './server/config.ts';
export type { RelayLimits } from './server/config.ts';
export { systemClock } from './server/clock.ts';
export type { Clock, TimerHandle } from './server/clock.ts';
export { jsonLogger, silentLogger } from './server/logger.ts';
export type { Logger, LogFields } from './server/logger.ts';
export { createMemoryStore } from './store/memory.ts';
export { soloFanout } from './fanout/types.ts';
export type { Fanout, FanoutListener, FanoutMessage } from './fanout/types.ts';
export { createMemoryFanoutBus, type MemoryFanoutBus } from './fanout/memory.ts';
export { openRedisFanout, type RedisFanoutOptions } from './fanout/redis.ts';
export { openSqliteStore } from './store/sqlite.ts';
export type { SqliteStoreOptions } from './store/sqlite.ts';
export type * from './store/types.ts';
export { createLlmProxy, proxyConfigFromEnv, proxyRoute, type LlmProxyConfig, type UsageRecord } from './proxy/index.ts';
