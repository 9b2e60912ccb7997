/**
 * Which addresses the relay's web fetch may connect to: public unicast only.
 * A member must not make the relay reach its own network, so loopback,
 * private (RFC 1918, fc00::/7), link-local (169.254/16 with the cloud
 * metadata address, fe80::/10), CGNAT, multicast, unspecified, documentation
 * and other reserved ranges are refused, and IPv6 outside global unicast
 * (2000::/3) too. IPv4-mapped IPv6 (::ffff:a.b.c.d) is judged by its IPv4
 * address and refused when that is; NAT64, 6to4 and Teredo prefixes, which
 * embed an IPv4 address the relay's network might route, are refused whole.
 *
 * The check runs at connect time: `guardedLookup` is the `lookup` handed to
 * `http.request`, so the addresses judged are the ones the socket connects
 * to and a DNS answer that changes between a check and the connect cannot
 * slip through. An IP literal never reaches `lookup` (node connects to it
 * directly), so `checkHost` judges literals before the request is made.
 *
 * The range test uses node's own `net.BlockList` (ipaddr.js is not a
 * dependency of this repository); the ranges are listed here.
 */
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** [network, prefix length, why] */
const V4: readonly (readonly [string, number, string])[] = [
  ['0.0.0.0', 8, 'unspecified ("this network")'],
  ['10.0.0.0', 8, 'private (RFC 1918)'],
  ['100.64.0.0', 10, 'shared address space (CGNAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private (RFC 1918)'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay anycast'],
  ['192.168.0.0', 16, 'private (RFC 1918)'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved (and broadcast)'],
];

const V6: readonly (readonly [string, number, string])[] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['64:ff9b::', 96, 'NAT64'],
  ['64:ff9b:1::', 48, 'local-use NAT64'],
  ['100::', 64, 'discard-only'],
  ['2001::', 23, 'IETF protocol assignments (Teredo)'],
  ['2001:db8::', 32, 'documentation'],
  ['2002::', 16, '6to4'],
  ['fc00::', 7, 'unique local (private)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local (deprecated)'],
  ['ff00::', 8, 'multicast'],
];

/** The range `address` falls in, for a message; one BlockList per range so the reason can be named. */
function rangesOf(ranges: readonly (readonly [string, number, string])[], family: 'ipv4' | 'ipv6'): (address: string, as: 'ipv4' | 'ipv6') => string | undefined {
  const lists = ranges.map(([net, prefix, why]) => {
    const list = new BlockList();
    list.addSubnet(net, prefix, family);
    return { list, why };
  });
  return (address, as) => lists.find((x) => x.list.check(address, as))?.why;
}

const v4 = rangesOf(V4, 'ipv4');
const v6 = rangesOf(V6, 'ipv6');
const GLOBAL_UNICAST = new BlockList();
GLOBAL_UNICAST.addSubnet('2000::', 3, 'ipv6');
const MAPPED = new BlockList();
MAPPED.addSubnet('::ffff:0:0', 96, 'ipv6');

/** Why `address` (an IP literal) may not be fetched from, or undefined when it is a public unicast address. */
export function blockedReason(address: string): string | undefined {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return v4(bare, 'ipv4');
  if (family !== 6) return 'not an IP address';
  if (MAPPED.check(bare, 'ipv6')) {
    // BlockList matches a mapped address against IPv4 ranges by its IPv4 part.
    const why = v4(bare, 'ipv6');
    return why ? `IPv4-mapped, ${why}` : undefined;
  }
  const why = v6(bare, 'ipv6');
  if (why) return why;
  return GLOBAL_UNICAST.check(bare, 'ipv6') ? undefined : 'outside IPv6 global unicast';
}

/** A refused destination: the address (or name) and the range it is in. */
export class BlockedAddressError extends Error {
  readonly code = 'E_PROXY_FETCH_BLOCKED';
  constructor(readonly host: string, readonly address: string, readonly why: string) {
    super(address === host ? `${host} is ${why}` : `${host} resolves to ${address}, ${why}`);
    this.name = 'BlockedAddressError';
  }
}

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** All addresses a name resolves to (default: the system resolver, as `http.request` would use). */
export type Resolve = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export interface GuardOptions {
  readonly resolve: Resolve;
  /** Lets private and loopback addresses through (tests against a local site; never in production). */
  readonly allowPrivate: boolean;
}

/** Throws BlockedAddressError when `hostname` is an IP literal in a refused range; names are judged at connect time. */
export function checkHost(hostname: string, o: Pick<GuardOptions, 'allowPrivate'>): void {
  const bare = hostname.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 0 || o.allowPrivate) return;
  const why = blockedReason(bare);
  if (why) throw new BlockedAddressError(hostname, bare, why);
}

/**
 * The `lookup` for `http.request`: resolves the name, refuses it when any address it resolves to is
 * in a refused range (a name with one private address among public ones is refused whole), and hands
 * node only the addresses judged.
 */
export function guardedLookup(o: GuardOptions): LookupFunction {
  return (hostname, options, callback) => {
    o.resolve(hostname).then(
      (all) => {
        const wanted = all.filter((a) => !options.family || a.family === options.family);
        if (wanted.length === 0) {
          callback(Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' }), '', 0);
          return;
        }
        if (!o.allowPrivate) {
          for (const a of all) {
            const why = blockedReason(a.address);
            if (why) {
              callback(new BlockedAddressError(hostname, a.address, why), '', 0);
              return;
            }
          }
        }
        if (options.all) (callback as unknown as (e: null, list: ResolvedAddress[]) => void)(null, [...wanted]);
        else callback(null, wanted[0]!.address, wanted[0]!.family);
      },
      (err: unknown) => callback(err as NodeJS.ErrnoException, '', 0),
    );
  };
}
