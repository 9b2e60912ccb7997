/** Proxy config from an environment map and --proxy-* flags: defaults, overrides, kill switches, workspace limits, and refusals of nonsense. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROXY_CONFIG, proxyConfigFromEnv } from './config.ts';

describe('proxyConfigFromEnv', () => {
  it('gives the defaults for an empty environment: 20 requests a minute, 100,000 tokens a day, 128 KB bodies, workspace five times a device', () => {
    expect(proxyConfigFromEnv({})).toEqual(DEFAULT_PROXY_CONFIG);
    expect(DEFAULT_PROXY_CONFIG).toMatchObject({
      maxBodyBytes: 131_072, requestsPerMinute: 20, dailyTokenQuota: 100_000,
      workspaceRequestsPerMinute: 100, workspaceDailyTokenQuota: 500_000, workspaceMaxConcurrent: DEFAULT_PROXY_CONFIG.maxConcurrent * 5,
      streamTimeoutMs: 120_000, requestTimeoutMs: 30_000, proofWindowMs: 60_000,
    });
  });

  it('reads upstreams, kill switches, origins and limits', () => {
    const c = proxyConfigFromEnv({
      TENDRIL_PROXY_OPENAI_URL: 'http://127.0.0.1:11434/v1',
      TENDRIL_PROXY_GEMINI_URL: 'http://127.0.0.1:9090',
      TENDRIL_PROXY_DISABLE: 'anthropic',
      TENDRIL_PROXY_ORIGINS: 'https://a.example, https://b.example',
      TENDRIL_PROXY_RPM: '30',
      TENDRIL_PROXY_BURST: '5',
      TENDRIL_PROXY_DAILY_TOKENS: '0',
      TENDRIL_PROXY_CONCURRENT: '2',
      TENDRIL_PROXY_WORKSPACE_RPM: '45',
      TENDRIL_PROXY_MAX_BODY_BYTES: '65536',
      TENDRIL_PROXY_FIRST_BYTE_TIMEOUT_MS: '1000',
      TENDRIL_PROXY_IDLE_TIMEOUT_MS: '2000',
      TENDRIL_PROXY_STREAM_TIMEOUT_MS: '90000',
      TENDRIL_PROXY_REQUEST_TIMEOUT_MS: '20000',
      TENDRIL_PROXY_PROOF_WINDOW_MS: '30000',
    });
    expect(c).toEqual({
      ...DEFAULT_PROXY_CONFIG,
      upstreams: { openai: 'http://127.0.0.1:11434/v1', anthropic: 'https://api.anthropic.com', gemini: 'http://127.0.0.1:9090' },
      disabled: ['anthropic'],
      allowedOrigins: ['https://a.example', 'https://b.example'],
      requestsPerMinute: 30, burst: 5, dailyTokenQuota: 0, maxConcurrent: 2,
      // Given: 45; left out: five times the device's.
      workspaceRequestsPerMinute: 45, workspaceBurst: 25, workspaceDailyTokenQuota: 0, workspaceMaxConcurrent: 10,
      maxBodyBytes: 65536, firstByteTimeoutMs: 1000, idleTimeoutMs: 2000, streamTimeoutMs: 90_000, requestTimeoutMs: 20_000, proofWindowMs: 30_000,
    });
    expect(proxyConfigFromEnv({ TENDRIL_PROXY_DISABLE: 'all' }).disabled).toEqual(['openai', 'anthropic', 'gemini']);
  });

  it('lets a --proxy-* flag win over its variable', () => {
    const c = proxyConfigFromEnv({ TENDRIL_PROXY_RPM: '30', TENDRIL_PROXY_WORKSPACE_DAILY_TOKENS: '7' }, { rpm: '12', 'workspace-daily-tokens': '9', 'stream-timeout-ms': '1000' });
    expect([c.requestsPerMinute, c.workspaceRequestsPerMinute, c.workspaceDailyTokenQuota, c.streamTimeoutMs]).toEqual([12, 60, 9, 1000]);
  });

  it('refuses unknown providers and bad numbers', () => {
    expect(() => proxyConfigFromEnv({ TENDRIL_PROXY_DISABLE: 'openia' })).toThrow(/unknown provider openia/);
    expect(() => proxyConfigFromEnv({ TENDRIL_PROXY_RPM: 'fast' })).toThrow(RangeError);
    expect(() => proxyConfigFromEnv({}, { concurrent: '-1' })).toThrow(/--proxy-concurrent/);
  });

  it('caches model lists an hour by default, within a byte budget', () => {
    expect(DEFAULT_PROXY_CONFIG).toMatchObject({ modelListTtlMs: 3_600_000, modelListCacheBytes: 32 * 1024 * 1024 });
    expect(proxyConfigFromEnv({ TENDRIL_PROXY_MODEL_LIST_TTL_MS: '60000' }, { 'model-list-cache-bytes': '1024' })).toMatchObject({ modelListTtlMs: 60_000, modelListCacheBytes: 1024 });
  });

  it('serves the web fetch by default, never to private addresses; --proxy-fetch off and TENDRIL_PROXY_FETCH switch it', () => {
    expect(DEFAULT_PROXY_CONFIG).toMatchObject({ fetchEnabled: true, fetchAllowPrivate: false, fetchMaxBytes: 2 * 1024 * 1024, fetchTimeoutMs: 15_000 });
    expect(proxyConfigFromEnv({ TENDRIL_PROXY_FETCH: 'off' }).fetchEnabled).toBe(false);
    expect(proxyConfigFromEnv({ TENDRIL_PROXY_FETCH: 'off' }, { fetch: 'on' }).fetchEnabled).toBe(true);
    expect(proxyConfigFromEnv({}, { fetch: 'off', 'fetch-allow-private': 'on', 'fetch-max-bytes': '1000' })).toMatchObject({ fetchEnabled: false, fetchAllowPrivate: true, fetchMaxBytes: 1000 });
    expect(() => proxyConfigFromEnv({ TENDRIL_PROXY_FETCH_ALLOW_PRIVATE: 'maybe' })).toThrow(/TENDRIL_PROXY_FETCH_ALLOW_PRIVATE/);
  });
});
