/**
 * The LLM proxy's configuration: plain data with defaults, plus a pure
 * function that derives it from an environment map (the relay's main.ts
 * passes process.env; nothing here reads it).
 */

export type ProxyProvider = 'openai' | 'anthropic';
export const PROXY_PROVIDERS: readonly ProxyProvider[] = ['openai', 'anthropic'];

export interface LlmProxyConfig {
  /** Upstream base URLs: OpenAI-style including /v1, Anthropic without a path. A provider without one is off. */
  readonly upstreams: Readonly<Partial<Record<ProxyProvider, string>>>;
  /** Kill switches: providers answered with 503 E_PROXY_DISABLED. */
  readonly disabled: readonly ProxyProvider[];
  /** Browser origins allowed by CORS (the app's origin); "*" allows any. */
  readonly allowedOrigins: readonly string[];
  /** Sustained request rate per user. */
  readonly requestsPerMinute: number;
  /** Requests a user may make at once before the rate applies. */
  readonly burst: number;
  /** Input plus output tokens per user per UTC day; 0 means no quota. */
  readonly dailyTokenQuota: number;
  readonly maxBodyBytes: number;
  /** From forwarding the request to the upstream's response headers. */
  readonly firstByteTimeoutMs: number;
  /** Longest upstream silence mid-stream. */
  readonly idleTimeoutMs: number;
}

export const DEFAULT_PROXY_CONFIG: LlmProxyConfig = {
  upstreams: { openai: 'https://api.openai.com/v1', anthropic: 'https://api.anthropic.com' },
  disabled: [],
  allowedOrigins: [],
  requestsPerMinute: 60,
  burst: 10,
  dailyTokenQuota: 2_000_000,
  maxBodyBytes: 128 * 1024,
  firstByteTimeoutMs: 30_000,
  idleTimeoutMs: 120_000,
};

export function resolveProxyConfig(partial: Partial<LlmProxyConfig> = {}): LlmProxyConfig {
  return { ...DEFAULT_PROXY_CONFIG, ...partial };
}

const number = (v: string | undefined): number | undefined => {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`not a non-negative number: ${v}`);
  return n;
};

const list = (v: string | undefined): string[] | undefined =>
  v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter((s) => s !== '');

/**
 * Reads TENDRIL_PROXY_* variables: OPENAI_URL, ANTHROPIC_URL, DISABLE (comma list of providers, or
 * "all"), ORIGINS (comma list), RPM, BURST, DAILY_TOKENS, MAX_BODY_BYTES, FIRST_BYTE_TIMEOUT_MS, IDLE_TIMEOUT_MS.
 */
export function proxyConfigFromEnv(env: Readonly<Record<string, string | undefined>>): LlmProxyConfig {
  const e = (name: string): string | undefined => env[`TENDRIL_PROXY_${name}`];
  const disable = list(e('DISABLE')) ?? [];
  const unknown = disable.filter((p) => p !== 'all' && !PROXY_PROVIDERS.includes(p as ProxyProvider));
  if (unknown.length > 0) throw new RangeError(`TENDRIL_PROXY_DISABLE: unknown provider ${unknown.join(', ')}`);
  const picked: Partial<LlmProxyConfig> = {
    upstreams: {
      openai: e('OPENAI_URL') ?? DEFAULT_PROXY_CONFIG.upstreams.openai,
      anthropic: e('ANTHROPIC_URL') ?? DEFAULT_PROXY_CONFIG.upstreams.anthropic,
    },
    disabled: disable.includes('all') ? [...PROXY_PROVIDERS] : (disable as ProxyProvider[]),
    allowedOrigins: list(e('ORIGINS')),
    requestsPerMinute: number(e('RPM')),
    burst: number(e('BURST')),
    dailyTokenQuota: number(e('DAILY_TOKENS')),
    maxBodyBytes: number(e('MAX_BODY_BYTES')),
    firstByteTimeoutMs: number(e('FIRST_BYTE_TIMEOUT_MS')),
    idleTimeoutMs: number(e('IDLE_TIMEOUT_MS')),
  };
  return resolveProxyConfig(Object.fromEntries(Object.entries(picked).filter(([, v]) => v !== undefined)));
}
