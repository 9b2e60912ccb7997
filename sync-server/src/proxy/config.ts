/**
 * The LLM proxy's configuration: plain data with defaults, plus a pure
 * function that derives it from an environment map (the relay's main.ts
 * passes process.env; nothing here reads it).
 */

export type ProxyProvider = 'openai' | 'anthropic' | 'gemini';
export const PROXY_PROVIDERS: readonly ProxyProvider[] = ['openai', 'anthropic', 'gemini'];

export interface LlmProxyConfig {
  /** Upstream base URLs: OpenAI-style including /v1, Anthropic and Gemini without a path. A provider without one is off. */
  readonly upstreams: Readonly<Partial<Record<ProxyProvider, string>>>;
  /** Kill switches: providers answered with 503 E_PROXY_DISABLED. */
  readonly disabled: readonly ProxyProvider[];
  /** Browser origins allowed by CORS (the app's origin); "*" allows any. */
  readonly allowedOrigins: readonly string[];
  /** Sustained request rate per device. */
  readonly requestsPerMinute: number;
  /** Requests a device may make at once before the rate applies. */
  readonly burst: number;
  /** Input plus output tokens per device per UTC day; 0 means no quota. */
  readonly dailyTokenQuota: number;
  /** Proxied requests one device may have in flight. */
  readonly maxConcurrent: number;
  /** The same four limits for all devices of one workspace together (default five times the device's). */
  readonly workspaceRequestsPerMinute: number;
  readonly workspaceBurst: number;
  readonly workspaceDailyTokenQuota: number;
  readonly workspaceMaxConcurrent: number;
  readonly maxBodyBytes: number;
  /** From forwarding the request to the upstream's response headers. */
  readonly firstByteTimeoutMs: number;
  /** Longest upstream silence mid-stream. */
  readonly idleTimeoutMs: number;
  /** Whole life of a streaming request (`"stream": true`), from forwarding to the last byte. */
  readonly streamTimeoutMs: number;
  /** Whole life of a non-streaming request. */
  readonly requestTimeoutMs: number;
  /** How far a proof's time may be from the relay clock, either way. */
  readonly proofWindowMs: number;
  /** Proof nonces remembered at most (replay cache); past it new requests get 429 until old ones expire. */
  readonly maxNonces: number;
  /** Nonces one device may hold in that cache, so one device cannot fill it for everyone. */
  readonly maxNoncesPerDevice: number;
  /** Whether POST /v1/proxy/fetch (web fetch for members' tabs) is served; off answers 503 E_PROXY_DISABLED. */
  readonly fetchEnabled: boolean;
  /**
   * Lets the web fetch reach loopback, private and other non-public addresses and any port. For tests
   * and development against a local site only: with it on, any member can make the relay fetch from
   * the relay's own network.
   */
  readonly fetchAllowPrivate: boolean;
  /** Body bytes of a fetched page passed on at most; the rest is cut and the answer flagged. */
  readonly fetchMaxBytes: number;
  /** Whole life of one fetch, from connecting to the last body byte. */
  readonly fetchTimeoutMs: number;
  /** How long a provider's model list is served from the cache, per provider and caller key. */
  readonly modelListTtlMs: number;
  /** Bytes of model lists the cache holds at most (all keys together); the oldest go first. */
  readonly modelListCacheBytes: number;
}

const DEVICE_DEFAULTS = { requestsPerMinute: 20, burst: 10, dailyTokenQuota: 100_000, maxConcurrent: 4 } as const;
/** Workspace limits default to this many times the device limits. */
export const WORKSPACE_FACTOR = 5;

export const DEFAULT_PROXY_CONFIG: LlmProxyConfig = {
  upstreams: { openai: 'https://api.openai.com/v1', anthropic: 'https://api.anthropic.com', gemini: 'https://generativelanguage.googleapis.com' },
  disabled: [],
  allowedOrigins: [],
  ...DEVICE_DEFAULTS,
  workspaceRequestsPerMinute: DEVICE_DEFAULTS.requestsPerMinute * WORKSPACE_FACTOR,
  workspaceBurst: DEVICE_DEFAULTS.burst * WORKSPACE_FACTOR,
  workspaceDailyTokenQuota: DEVICE_DEFAULTS.dailyTokenQuota * WORKSPACE_FACTOR,
  workspaceMaxConcurrent: DEVICE_DEFAULTS.maxConcurrent * WORKSPACE_FACTOR,
  maxBodyBytes: 128 * 1024,
  firstByteTimeoutMs: 30_000,
  idleTimeoutMs: 120_000,
  streamTimeoutMs: 120_000,
  requestTimeoutMs: 30_000,
  proofWindowMs: 60_000,
  maxNonces: 100_000,
  maxNoncesPerDevice: 1_000,
  fetchEnabled: true,
  fetchAllowPrivate: false,
  fetchMaxBytes: 2 * 1024 * 1024,
  fetchTimeoutMs: 15_000,
  modelListTtlMs: 60 * 60 * 1000,
  modelListCacheBytes: 32 * 1024 * 1024,
};

/** Defaults for what `partial` leaves out; workspace limits left out are five times the device limits given. */
export function resolveProxyConfig(partial: Partial<LlmProxyConfig> = {}): LlmProxyConfig {
  const given = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<LlmProxyConfig>;
  const c = { ...DEFAULT_PROXY_CONFIG, ...given };
  return {
    ...c,
    workspaceRequestsPerMinute: given.workspaceRequestsPerMinute ?? c.requestsPerMinute * WORKSPACE_FACTOR,
    workspaceBurst: given.workspaceBurst ?? c.burst * WORKSPACE_FACTOR,
    workspaceDailyTokenQuota: given.workspaceDailyTokenQuota ?? c.dailyTokenQuota * WORKSPACE_FACTOR,
    workspaceMaxConcurrent: given.workspaceMaxConcurrent ?? c.maxConcurrent * WORKSPACE_FACTOR,
  };
}

type NumericField = { [K in keyof LlmProxyConfig]: LlmProxyConfig[K] extends number ? K : never }[keyof LlmProxyConfig];

/**
 * The numeric settings, each as `TENDRIL_PROXY_<ENV>` and as the relay flag `--proxy-<flag>`
 * (a flag wins over the variable).
 */
export const PROXY_NUMBER_SETTINGS: readonly { readonly field: NumericField; readonly env: string; readonly flag: string }[] = [
  { field: 'requestsPerMinute', env: 'RPM', flag: 'rpm' },
  { field: 'burst', env: 'BURST', flag: 'burst' },
  { field: 'dailyTokenQuota', env: 'DAILY_TOKENS', flag: 'daily-tokens' },
  { field: 'maxConcurrent', env: 'CONCURRENT', flag: 'concurrent' },
  { field: 'workspaceRequestsPerMinute', env: 'WORKSPACE_RPM', flag: 'workspace-rpm' },
  { field: 'workspaceBurst', env: 'WORKSPACE_BURST', flag: 'workspace-burst' },
  { field: 'workspaceDailyTokenQuota', env: 'WORKSPACE_DAILY_TOKENS', flag: 'workspace-daily-tokens' },
  { field: 'workspaceMaxConcurrent', env: 'WORKSPACE_CONCURRENT', flag: 'workspace-concurrent' },
  { field: 'maxBodyBytes', env: 'MAX_BODY_BYTES', flag: 'max-body-bytes' },
  { field: 'firstByteTimeoutMs', env: 'FIRST_BYTE_TIMEOUT_MS', flag: 'first-byte-timeout-ms' },
  { field: 'idleTimeoutMs', env: 'IDLE_TIMEOUT_MS', flag: 'idle-timeout-ms' },
  { field: 'streamTimeoutMs', env: 'STREAM_TIMEOUT_MS', flag: 'stream-timeout-ms' },
  { field: 'requestTimeoutMs', env: 'REQUEST_TIMEOUT_MS', flag: 'request-timeout-ms' },
  { field: 'proofWindowMs', env: 'PROOF_WINDOW_MS', flag: 'proof-window-ms' },
  { field: 'maxNonces', env: 'MAX_NONCES', flag: 'max-nonces' },
  { field: 'maxNoncesPerDevice', env: 'MAX_NONCES_PER_DEVICE', flag: 'max-nonces-per-device' },
  { field: 'fetchMaxBytes', env: 'FETCH_MAX_BYTES', flag: 'fetch-max-bytes' },
  { field: 'fetchTimeoutMs', env: 'FETCH_TIMEOUT_MS', flag: 'fetch-timeout-ms' },
  { field: 'modelListTtlMs', env: 'MODEL_LIST_TTL_MS', flag: 'model-list-ttl-ms' },
  { field: 'modelListCacheBytes', env: 'MODEL_LIST_CACHE_BYTES', flag: 'model-list-cache-bytes' },
];

/** The web fetch's switches, each as `TENDRIL_PROXY_<ENV>` and the relay flag `--proxy-<flag>` (on/off). */
export const PROXY_SWITCH_SETTINGS: readonly { readonly field: 'fetchEnabled' | 'fetchAllowPrivate'; readonly env: string; readonly flag: string }[] = [
  { field: 'fetchEnabled', env: 'FETCH', flag: 'fetch' },
  { field: 'fetchAllowPrivate', env: 'FETCH_ALLOW_PRIVATE', flag: 'fetch-allow-private' },
];

const ON = new Set(['on', 'true', '1', 'yes']);
const OFF = new Set(['off', 'false', '0', 'no']);
const onOff = (name: string, v: string | undefined): boolean | undefined => {
  if (v === undefined || v.trim() === '') return undefined;
  const t = v.trim().toLowerCase();
  if (ON.has(t)) return true;
  if (OFF.has(t)) return false;
  throw new RangeError(`${name}: not on or off: ${v}`);
};

const number = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`${name}: not a non-negative number: ${v}`);
  return n;
};

const list = (v: string | undefined): string[] | undefined =>
  v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter((s) => s !== '');

/**
 * Reads TENDRIL_PROXY_* variables: OPENAI_URL, ANTHROPIC_URL, GEMINI_URL, DISABLE (comma list of providers, or
 * "all"), ORIGINS (comma list), the numbers of PROXY_NUMBER_SETTINGS and the on/off switches of
 * PROXY_SWITCH_SETTINGS. `flags` (flag name without `--proxy-`, to its text) override those.
 */
export function proxyConfigFromEnv(env: Readonly<Record<string, string | undefined>>, flags: Readonly<Record<string, string>> = {}): LlmProxyConfig {
  const e = (name: string): string | undefined => env[`TENDRIL_PROXY_${name}`];
  const disable = list(e('DISABLE')) ?? [];
  const unknown = disable.filter((p) => p !== 'all' && !PROXY_PROVIDERS.includes(p as ProxyProvider));
  if (unknown.length > 0) throw new RangeError(`TENDRIL_PROXY_DISABLE: unknown provider ${unknown.join(', ')}`);
  const picked: Partial<Record<keyof LlmProxyConfig, unknown>> = {
    upstreams: {
      openai: e('OPENAI_URL') ?? DEFAULT_PROXY_CONFIG.upstreams.openai,
      anthropic: e('ANTHROPIC_URL') ?? DEFAULT_PROXY_CONFIG.upstreams.anthropic,
      gemini: e('GEMINI_URL') ?? DEFAULT_PROXY_CONFIG.upstreams.gemini,
    },
    disabled: disable.includes('all') ? [...PROXY_PROVIDERS] : (disable as ProxyProvider[]),
    allowedOrigins: list(e('ORIGINS')),
  };
  for (const s of PROXY_NUMBER_SETTINGS) {
    picked[s.field] = s.flag in flags ? number(`--proxy-${s.flag}`, flags[s.flag]) : number(`TENDRIL_PROXY_${s.env}`, e(s.env));
  }
  for (const s of PROXY_SWITCH_SETTINGS) {
    picked[s.field] = s.flag in flags ? onOff(`--proxy-${s.flag}`, flags[s.flag]) : onOff(`TENDRIL_PROXY_${s.env}`, e(s.env));
  }
  return resolveProxyConfig(picked as Partial<LlmProxyConfig>);
}
