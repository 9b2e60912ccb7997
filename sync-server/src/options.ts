/**
 * Command-line and environment options of the relay program, parsed into a
 * StartRelayConfig. Pure: main.ts passes in process.argv and process.env.
 *
 *   --port N (default 8787; 0 = any free port)   --host H (default 127.0.0.1)
 *   --data DIR (default ./data)                   --static DIR
 *   --<limit-name> N for any relay limit, e.g. --frames-per-second 500
 *   --trusted-proxy ADDR (repeatable): a reverse proxy whose X-Forwarded-For is honoured
 *   --proxy-<setting> N for any LLM proxy number (proxy/config.ts PROXY_NUMBER_SETTINGS), e.g. --proxy-rpm 20
 *   --proxy-fetch on|off, --proxy-fetch-allow-private on|off: the proxy's web fetch route (PROXY_SWITCH_SETTINGS)
 *   --proxy-kill-file PATH, --proxy-operator-key BASE64, --proxy-cost-alert-usd N, --proxy-alert-webhook URL
 *     (proxy/ops-config.ts PROXY_OPS_SETTINGS): kill switches and the daily cost alert
 *   --redis URL: keep the relay's data in Redis (redis:// or rediss://) instead of SQLite under --data
 *   --redis-prefix P, --redis-wait-replicas N, --redis-wait-timeout-ms N, --redis-unsafe-durability: see README
 *   TENDRIL_REDIS_URL                the same as --redis (use it for a URL with a password: argv is visible to ps)
 *   TENDRIL_RELAY_ACCESS_CODE        operator code for registering workspaces
 *   TENDRIL_RELAY_METRICS_TOKEN      bearer token /metrics requires (environment only: argv is visible to ps)
 *   TENDRIL_RELAY_ALLOWED_ORIGINS    comma-separated browser origins, or *
 *   TENDRIL_RELAY_TRUSTED_PROXIES    comma-separated proxy addresses (added to --trusted-proxy)
 *   TENDRIL_RELAY_CONNECT_SRC        comma-separated origins the app may call directly (model providers)
 */
import { isIP } from 'node:net';
import { normalizeAddress } from './server/client-address.ts';
import { parseConnectSources } from './server/content-policy.ts';
import { DEFAULT_LIMITS, type RelayLimits } from './server/config.ts';
import { PROXY_NUMBER_SETTINGS, PROXY_SWITCH_SETTINGS } from './proxy/config.ts';
import { PROXY_OPS_SETTINGS } from './proxy/ops-config.ts';
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, type RedisStoreConfig, type StartRelayConfig } from './start.ts';

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const LIMIT_FLAGS = new Map(Object.keys(DEFAULT_LIMITS).map((name) => [`--${kebab(name)}`, name as keyof RelayLimits]));
/** Earlier names still accepted: the per-address cap now counts only connections that have not proven a key yet. */
const PROXY_FLAGS = new Set([...PROXY_NUMBER_SETTINGS, ...PROXY_SWITCH_SETTINGS, ...PROXY_OPS_SETTINGS].map((s) => `--proxy-${s.flag}`));
const RENAMED_FLAGS = new Map<string, keyof RelayLimits>([['--max-connections-per-ip', 'maxPreAuthPerIp']]);

export const USAGE = `usage: relay [--port N] [--host HOST] [--data DIR | --redis URL] [--static DIR] [--trusted-proxy ADDR ...] [--<limit> N ...]
Redis store: --redis URL --redis-prefix P --redis-wait-replicas N --redis-wait-timeout-ms N --redis-unsafe-durability
limits: ${[...LIMIT_FLAGS.keys()].join(' ')}
LLM proxy: ${[...PROXY_FLAGS].join(' ')} (or TENDRIL_PROXY_*)
env: TENDRIL_REDIS_URL, TENDRIL_RELAY_ACCESS_CODE, TENDRIL_RELAY_METRICS_TOKEN, TENDRIL_RELAY_ALLOWED_ORIGINS (comma-separated, or *), TENDRIL_RELAY_TRUSTED_PROXIES (comma-separated), TENDRIL_RELAY_CONNECT_SRC (comma-separated origins)`;

function integer(flag: string, text: string | undefined, min: number): number {
  const n = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isSafeInteger(n) || n < min) {
    throw new Error(`${flag} needs an integer >= ${min}, got ${JSON.stringify(text)}`);
  }
  return n;
}

function address(flag: string, text: string): string {
  if (isIP(normalizeAddress(text)) === 0) throw new Error(`${flag} needs an IP address, got ${JSON.stringify(text)}`);
  return text;
}

/** A redis:// or rediss:// URL; the error never repeats the text (it may hold a password). */
function redisUrl(flag: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${flag} needs a redis://HOST:PORT or rediss://HOST:PORT URL`);
  }
  if ((url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') {
    throw new Error(`${flag} needs a redis://HOST:PORT or rediss://HOST:PORT URL`);
  }
  return text;
}

/** Throws an Error with a one-line reason on a bad option; `help` is set for --help. */
export type RelayOptions = StartRelayConfig & { help?: boolean; /** `--proxy-<name>` values by name, for proxyConfigFromEnv. */ proxyFlags?: Record<string, string> };

export function parseRelayOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): RelayOptions {
  const config: RelayOptions = { port: DEFAULT_PORT, host: DEFAULT_HOST, dataDir: DEFAULT_DATA_DIR };
  const limits: Partial<RelayLimits> = {};
  const proxies: string[] = [];
  const redis: Partial<RedisStoreConfig> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--help' || flag === '-h') config.help = true;
    else if (flag === '--port') config.port = integer(flag, value(), 0);
    else if (flag === '--host') config.host = value();
    else if (flag === '--data') config.dataDir = value();
    else if (flag === '--static') config.staticDir = value();
    else if (flag === '--redis') redis.url = redisUrl(flag, value());
    else if (flag === '--redis-prefix') redis.prefix = value();
    else if (flag === '--redis-wait-replicas') redis.waitReplicas = integer(flag, value(), 0);
    else if (flag === '--redis-wait-timeout-ms') redis.waitTimeoutMs = integer(flag, value(), 1);
    else if (flag === '--redis-unsafe-durability' && inline === undefined) redis.unsafeDurability = true;
    else if (flag === '--trusted-proxy') proxies.push(address(flag, value()));
    else if (LIMIT_FLAGS.has(flag)) limits[LIMIT_FLAGS.get(flag)!] = integer(flag, value(), 1);
    else if (PROXY_FLAGS.has(flag)) (config.proxyFlags ??= {})[flag.slice('--proxy-'.length)] = value();
    else if (RENAMED_FLAGS.has(flag)) limits[RENAMED_FLAGS.get(flag)!] = integer(flag, value(), 1);
    else throw new Error(`unknown option ${arg}`);
  }
  if (config.port! > 65535) throw new Error('--port must be at most 65535');
  if (Object.keys(limits).length > 0) config.limits = limits;
  if (redis.url === undefined && env.TENDRIL_REDIS_URL !== undefined && env.TENDRIL_REDIS_URL !== '') redis.url = redisUrl('TENDRIL_REDIS_URL', env.TENDRIL_REDIS_URL);
  if (redis.url !== undefined) config.redis = { ...redis, url: redis.url };
  else if (Object.keys(redis).length > 0) throw new Error('the --redis-* options need --redis URL (or TENDRIL_REDIS_URL)');
  const code = env.TENDRIL_RELAY_ACCESS_CODE;
  if (code !== undefined && code !== '') config.accessCode = code;
  const metricsToken = env.TENDRIL_RELAY_METRICS_TOKEN;
  if (metricsToken !== undefined && metricsToken !== '') config.metricsToken = metricsToken;
  const origins = env.TENDRIL_RELAY_ALLOWED_ORIGINS;
  if (origins !== undefined && origins.trim() !== '') config.allowedOrigins = origins.split(',').map((o) => o.trim()).filter(Boolean);
  const envProxies = env.TENDRIL_RELAY_TRUSTED_PROXIES ?? '';
  for (const p of envProxies.split(',').map((a) => a.trim()).filter(Boolean)) proxies.push(address('TENDRIL_RELAY_TRUSTED_PROXIES', p));
  if (proxies.length > 0) config.trustedProxies = proxies;
  const connect = parseConnectSources(env.TENDRIL_RELAY_CONNECT_SRC);
  if (connect.length > 0) config.connectSources = connect;
  return config;
}
