/**
 * The client address a connection is counted under. Behind a TLS proxy every
 * socket comes from the proxy, so the proxy's X-Forwarded-For is honoured,
 * but only when the socket peer is a configured trusted proxy: anyone else
 * could write any address into the header.
 */
import { isIP } from 'node:net';

/** "::ffff:127.0.0.1" and "127.0.0.1" are one address. */
export function normalizeAddress(address: string): string {
  const a = address.trim().toLowerCase();
  return a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
}

export function trustedProxySet(addresses: readonly string[] = []): ReadonlySet<string> {
  return new Set(addresses.map(normalizeAddress).filter((a) => a !== ''));
}

/**
 * The socket peer, unless it is a trusted proxy: then the right-most
 * X-Forwarded-For hop that is not itself a trusted proxy (hops further left
 * were written by the client and prove nothing).
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined, trusted: ReadonlySet<string>): string {
  const socket = normalizeAddress(peer ?? 'unknown');
  if (!trusted.has(socket) || forwardedFor === undefined) return socket;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',').map(normalizeAddress);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (trusted.has(hop)) continue;
    return isIP(hop) !== 0 ? hop : socket;
  }
  return socket;
}
