/** The client address: X-Forwarded-For counts only when the socket peer is a trusted proxy. */
import { describe, expect, it } from 'vitest';
import { clientAddress, normalizeAddress, trustedProxySet } from './client-address.ts';

describe('client address', () => {
  const trusted = trustedProxySet(['127.0.0.1', '10.0.0.2']);

  it('is the socket peer when no proxy is trusted or the peer is not one', () => {
    expect(clientAddress('198.51.100.7', '203.0.113.1', trustedProxySet())).toBe('198.51.100.7');
    expect(clientAddress('198.51.100.7', '203.0.113.1', trusted)).toBe('198.51.100.7');
    expect(clientAddress('::ffff:198.51.100.7', undefined, trusted)).toBe('198.51.100.7');
  });

  it('behind a trusted proxy, is the right-most forwarded hop that is not a trusted proxy', () => {
    expect(clientAddress('127.0.0.1', '203.0.113.1', trusted)).toBe('203.0.113.1');
    expect(clientAddress('::ffff:127.0.0.1', '6.6.6.6, 203.0.113.1', trusted)).toBe('203.0.113.1');
    expect(clientAddress('127.0.0.1', '203.0.113.1, 10.0.0.2', trusted)).toBe('203.0.113.1');
    expect(clientAddress('127.0.0.1', ['6.6.6.6', '2001:db8::1'], trusted)).toBe('2001:db8::1');
  });

  it('falls back to the peer when the header is missing, garbage or names only proxies', () => {
    expect(clientAddress('127.0.0.1', undefined, trusted)).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', 'not-an-ip', trusted)).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', '10.0.0.2', trusted)).toBe('127.0.0.1');
    expect(normalizeAddress(' ::FFFF:10.0.0.2 ')).toBe('10.0.0.2');
  });
});
