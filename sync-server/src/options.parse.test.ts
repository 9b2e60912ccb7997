/** The relay program's command line and environment. */
import { describe, expect, it } from 'vitest';
import { parseRelayOptions } from './options.ts';

describe('relay options', () => {
  it('defaults to 127.0.0.1:8787 with data in ./data', () => {
    expect(parseRelayOptions([], {})).toEqual({ port: 8787, host: '127.0.0.1', dataDir: './data' });
  });

  it('reads flags, limit overrides and the environment', () => {
    const config = parseRelayOptions(
      ['--port', '0', '--host=0.0.0.0', '--data', '/var/relay', '--static', 'app/build', '--frames-per-second', '500', '--max-pre-auth-per-ip=3',
        '--trusted-proxy', '127.0.0.1', '--max-connections-per-device', '4'],
      { TENDRIL_RELAY_ACCESS_CODE: 'code', TENDRIL_RELAY_METRICS_TOKEN: 'metrics-token', TENDRIL_RELAY_ALLOWED_ORIGINS: 'https://a.example, https://b.example', TENDRIL_RELAY_TRUSTED_PROXIES: '10.0.0.2, ::1' },
    );
    expect(config).toEqual({
      port: 0,
      host: '0.0.0.0',
      dataDir: '/var/relay',
      staticDir: 'app/build',
      limits: { framesPerSecond: 500, maxPreAuthPerIp: 3, maxConnectionsPerDevice: 4 },
      accessCode: 'code',
      metricsToken: 'metrics-token',
      allowedOrigins: ['https://a.example', 'https://b.example'],
      trustedProxies: ['127.0.0.1', '10.0.0.2', '::1'],
    });
  });

  it('refuses unknown flags, missing values and bad numbers', () => {
    expect(() => parseRelayOptions(['--prot', '1'], {})).toThrow(/unknown option --prot/);
    expect(() => parseRelayOptions(['--port'], {})).toThrow(/--port needs a value/);
    expect(() => parseRelayOptions(['--port', '70000'], {})).toThrow(/65535/);
    expect(() => parseRelayOptions(['--frame-burst', '0'], {})).toThrow(/>= 1/);
    expect(() => parseRelayOptions(['--max-frame-bytes', '1.5'], {})).toThrow(/integer/);
    expect(() => parseRelayOptions(['--trusted-proxy', 'proxy.example'], {})).toThrow(/IP address/);
    expect(() => parseRelayOptions([], { TENDRIL_RELAY_TRUSTED_PROXIES: '10.0.0.1,nope' })).toThrow(/IP address/);
  });

  it('collects the LLM proxy flags for the proxy config', () => {
    expect(parseRelayOptions(['--proxy-rpm', '12', '--proxy-workspace-concurrent=3'], {}).proxyFlags).toEqual({ rpm: '12', 'workspace-concurrent': '3' });
    expect(parseRelayOptions(['--proxy-fetch', 'off', '--proxy-fetch-allow-private=on'], {}).proxyFlags).toEqual({ fetch: 'off', 'fetch-allow-private': 'on' });
    expect(() => parseRelayOptions(['--proxy-user-header', 'x'], {})).toThrow(/unknown option/);
  });

  it('still takes the earlier name of the per-address cap', () => {
    expect(parseRelayOptions(['--max-connections-per-ip', '7'], {}).limits).toEqual({ maxPreAuthPerIp: 7 });
  });

  it('takes the Redis store from --redis or TENDRIL_REDIS_URL, the flag first', () => {
    expect(parseRelayOptions(['--redis', 'redis://10.0.0.5:6380', '--redis-wait-replicas', '1', '--redis-wait-timeout-ms=250', '--redis-prefix', 'eu'], {}).redis).toEqual({
      url: 'redis://10.0.0.5:6380',
      waitReplicas: 1,
      waitTimeoutMs: 250,
      prefix: 'eu',
    });
    expect(parseRelayOptions(['--redis-unsafe-durability'], { TENDRIL_REDIS_URL: 'rediss://:secret@r.example:6379' }).redis).toEqual({
      url: 'rediss://:secret@r.example:6379',
      unsafeDurability: true,
    });
    expect(parseRelayOptions(['--redis', 'redis://a:1'], { TENDRIL_REDIS_URL: 'redis://b:2' }).redis?.url).toBe('redis://a:1');
    expect(parseRelayOptions([], {}).redis).toBeUndefined();
  });

  it('refuses a bad Redis URL without repeating it, and Redis settings without a URL', () => {
    expect(() => parseRelayOptions(['--redis', 'http://:hunter2@host:1'], {})).toThrow(/--redis needs a redis:\/\/HOST:PORT/);
    expect(() => parseRelayOptions(['--redis', 'http://:hunter2@host:1'], {})).not.toThrow(/hunter2/);
    expect(() => parseRelayOptions([], { TENDRIL_REDIS_URL: 'not a url hunter2' })).toThrow(/^TENDRIL_REDIS_URL needs [^h]*$/);
    expect(() => parseRelayOptions(['--redis-wait-replicas', '1'], {})).toThrow(/need --redis URL/);
    expect(() => parseRelayOptions(['--redis', 'redis://a:1', '--redis-wait-replicas', '-1'], {})).toThrow(/>= 0/);
  });

  it('ignores empty environment values', () => {
    expect(parseRelayOptions([], { TENDRIL_RELAY_ACCESS_CODE: '', TENDRIL_RELAY_METRICS_TOKEN: '', TENDRIL_RELAY_ALLOWED_ORIGINS: ' ', TENDRIL_REDIS_URL: '' })).toEqual({ port: 8787, host: '127.0.0.1', dataDir: './data' });
  });
});
