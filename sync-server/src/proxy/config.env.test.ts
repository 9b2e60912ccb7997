/** Proxy config from an environment map: defaults, overrides, kill switches, and refusals of nonsense. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROXY_CONFIG, proxyConfigFromEnv } from './config.ts';

describe('proxyConfigFromEnv', () => {
  it('gives the defaults for an empty environment', () => {
    expect(proxyConfigFromEnv({})).toEqual(DEFAULT_PROXY_CONFIG);
    expect(DEFAULT_PROXY_CONFIG.maxBodyBytes).toBe(131_072);
  });

  it('reads upstreams, kill switches, origins and limits', () => {
    const c = proxyConfigFromEnv({
      TENDRIL_PROXY_OPENAI_URL: 'http://127.0.0.1:11434/v1',
      TENDRIL_PROXY_DISABLE: 'anthropic',
      TENDRIL_PROXY_ORIGINS: 'https://a.example, https://b.example',
      TENDRIL_PROXY_RPM: '30',
      TENDRIL_PROXY_BURST: '5',
      TENDRIL_PROXY_DAILY_TOKENS: '0',
      TENDRIL_PROXY_MAX_BODY_BYTES: '65536',
      TENDRIL_PROXY_FIRST_BYTE_TIMEOUT_MS: '1000',
      TENDRIL_PROXY_IDLE_TIMEOUT_MS: '2000',
    });
    expect(c).toEqual({
      upstreams: { openai: 'http://127.0.0.1:11434/v1', anthropic: 'https://api.anthropic.com' },
      disabled: ['anthropic'],
      allowedOrigins: ['https://a.example', 'https://b.example'],
      requestsPerMinute: 30, burst: 5, dailyTokenQuota: 0, maxBodyBytes: 65536, firstByteTimeoutMs: 1000, idleTimeoutMs: 2000,
    });
    expect(proxyConfigFromEnv({ TENDRIL_PROXY_DISABLE: 'all' }).disabled).toEqual(['openai', 'anthropic']);
  });

  it('refuses unknown providers and bad numbers', () => {
    expect(() => proxyConfigFromEnv({ TENDRIL_PROXY_DISABLE: 'openia' })).toThrow(/unknown provider openia/);
    expect(() => proxyConfigFromEnv({ TENDRIL_PROXY_RPM: 'fast' })).toThrow(RangeError);
  });
});
