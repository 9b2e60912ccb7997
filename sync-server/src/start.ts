/**
 * startRelay: the relay as a program would run it, from plain options:
 * SQLite under a data directory (the embedded default), Redis at a URL, or a
 * given store; one HTTP port, a JSON logger. On Redis the relay also joins the
 * fan-out of its key prefix, so any number of relay processes serve one workspace. The `tendril relay` command and main.ts both call this.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openSqliteStore } from './store/sqlite.ts';
import { openRedisStore, type RedisStoreOptions } from './store/redis.ts';
import type { RelayStore } from './store/types.ts';
import { openRedisFanout } from './fanout/redis.ts';
import type { Fanout } from './fanout/types.ts';
import { openSqliteGuestStore } from './store/guest-sqlite.ts';
import { openRedisGuestStore } from './store/guest-redis.ts';
import type { GuestStore } from './store/guest-types.ts';
import type { RelayLimits } from './server/config.ts';
import { silentLogger, type Logger } from './server/logger.ts';
import { createRelay } from './server/relay.ts';
import type { HttpRoute } from './server/http-routes.ts';
import { createMetricsRegistry, type MetricsRegistry } from './server/prometheus.ts';

/** The Redis store's settings as the relay program takes them (store/redis.ts RedisStoreOptions). */
export type RedisStoreConfig = Omit<RedisStoreOptions, 'logger'>;

export interface StartRelayConfig {
  /** TCP port; 0 picks a free one. Default 8787. */
  port?: number;
  /** Interface to bind. Default 127.0.0.1 (local only). */
  host?: string;
  /** Directory of the SQLite database (`DIR/relay.sqlite`), created if missing. Default ./data. */
  dataDir?: string;
  /** Keep the data in Redis instead of SQLite under `dataDir` (the store refuses a server that could lose appends). */
  redis?: RedisStoreConfig;
  /** A store to use instead of SQLite under `dataDir` (closed with the relay). */
  store?: RelayStore;
  /** Directory of the app's static files, served at / with a single-page fallback. */
  staticDir?: string;
  /** Origins added to the app's connect-src: model providers a page may call directly. */
  connectSources?: string[];
  /** Operator code required to register a new workspace. */
  accessCode?: string;
  /** Bearer token required to read /metrics (TENDRIL_RELAY_METRICS_TOKEN). */
  metricsToken?: string;
  /** Browser origins allowed besides the relay's own; "*" allows any. */
  allowedOrigins?: string[];
  /** Allow clients that send no Origin header (CLI, gateway, workers). Default true. */
  allowMissingOrigin?: boolean;
  /** Reverse proxies whose X-Forwarded-For names the client address. */
  trustedProxies?: string[];
  limits?: Partial<RelayLimits>;
  /** Extra HTTP handlers on the same port (for example an API proxy), tried before static files. */
  routes?: readonly HttpRoute[];
  /**
   * Handlers that need the relay's store (the LLM proxy checks membership in it), after `routes`;
   * series they register in `metrics` are rendered by the relay's /metrics.
   */
  routesFor?: (store: RelayStore, metrics: MetricsRegistry) => readonly HttpRoute[];
  logger?: Logger;
}

export interface RunningRelay {
  /** Base URL, e.g. http://127.0.0.1:8787 (WebSocket sync at `${url}/sync` with ws:). */
  readonly url: string;
  readonly port: number;
  /** Graceful shutdown; resolves when the store is closed. */
  close(): Promise<void>;
}

export const DEFAULT_PORT = 8787;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_DATA_DIR = './data';
export const DATABASE_FILE = 'relay.sqlite';
/** Guest links and their visitors, beside the relay's database (store/guest-sqlite.ts). */
export const GUEST_DATABASE_FILE = 'guests.sqlite';

export async function startRelay(config: StartRelayConfig = {}): Promise<RunningRelay> {
  let store = config.store;
  let fanout: Fanout | undefined;
  // Guest links live in SQLite beside the relay's own database, or in Redis for a relay on Redis (several
  // processes then share links, visitors, ends and wrong-code counts); a relay on a given store keeps them in memory.
  let guestStore: GuestStore | undefined;
  if (!store && config.redis) {
    store = await openRedisStore({ ...config.redis, ...(config.logger ? { logger: config.logger } : {}) });
    try {
      fanout = await openRedisFanout({ url: config.redis.url, prefix: config.redis.prefix, logger: config.logger });
      guestStore = await openRedisGuestStore({ url: config.redis.url, ...(config.redis.prefix ? { prefix: config.redis.prefix } : {}) });
    } catch (err) {
      await fanout?.close();
      await store.close();
      throw err;
    }
  } else if (!store) {
    const dir = resolve(config.dataDir ?? DEFAULT_DATA_DIR);
    mkdirSync(dir, { recursive: true });
    store = openSqliteStore({ path: join(dir, DATABASE_FILE) });
    guestStore = openSqliteGuestStore(join(dir, GUEST_DATABASE_FILE));
  }
  const metricsRegistry = createMetricsRegistry();
  const relay = createRelay({
    store,
    ...(guestStore ? { guestStore } : {}),
    logger: config.logger ?? silentLogger,
    limits: config.limits,
    accessCode: config.accessCode,
    ...(config.metricsToken !== undefined ? { metricsToken: config.metricsToken } : {}),
    allowedOrigins: config.allowedOrigins,
    allowMissingOrigin: config.allowMissingOrigin,
    trustedProxies: config.trustedProxies,
    staticDir: config.staticDir,
    connectSources: config.connectSources,
    routes: [...(config.routes ?? []), ...(config.routesFor?.(store, metricsRegistry) ?? [])],
    metricsRegistry,
    fanout,
  });
  try {
    const { port, url } = await relay.listen(config.port ?? DEFAULT_PORT, config.host ?? DEFAULT_HOST);
    return { url, port, close: () => relay.close() };
  } catch (err) {
    await relay.close();
    throw err;
  }
}
