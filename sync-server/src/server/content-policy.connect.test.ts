import { describe, expect, it } from 'vitest';
import { parseRelayOptions } from '../options.ts';
import { contentSecurityPolicy, parseConnectSources } from './content-policy.ts';

const connectSrc = (csp: string): string[] => csp.split('; ').find((d) => d.startsWith('connect-src '))!.split(' ').slice(1);

describe('content policy: origins a page may call', () => {
  it('lets the page call the Anthropic API directly and adds the operator origins after the defaults', () => {
    expect(connectSrc(contentSecurityPolicy())).toContain('https://api.anthropic.com');
    const extra = parseConnectSources(' https://llm.example.com , https://*.corp.example:8443,http://10.0.0.5:*');
    expect(extra).toEqual(['https://llm.example.com', 'https://*.corp.example:8443', 'http://10.0.0.5:*']);
    expect(connectSrc(contentSecurityPolicy([], extra)).slice(-3)).toEqual(extra);
  });

  it('refuses anything but an http(s) origin, so the variable cannot widen the policy', () => {
    for (const bad of ['*', "'unsafe-inline'", 'https:', 'https://a.example/path', 'https://a.example; script-src *', 'wss://a.example', 'https://a.example https://b.example']) {
      expect(() => parseConnectSources(bad), bad).toThrow(/TENDRIL_RELAY_CONNECT_SRC/);
    }
    expect(parseConnectSources(undefined)).toEqual([]);
    expect(parseConnectSources(' , ')).toEqual([]);
  });

  it('reads TENDRIL_RELAY_CONNECT_SRC into the relay options', () => {
    expect(parseRelayOptions([], { TENDRIL_RELAY_CONNECT_SRC: 'https://llm.example.com' }).connectSources).toEqual(['https://llm.example.com']);
    expect(parseRelayOptions([], {}).connectSources).toBeUndefined();
    expect(() => parseRelayOptions([], { TENDRIL_RELAY_CONNECT_SRC: 'javascript:alert(1)' })).toThrow(/not an http\(s\) origin/);
  });
});
