/** The web fetch's address ranges: public unicast passes, everything the relay's own network could be is refused. */
import { describe, expect, it } from 'vitest';
import { blockedReason } from './fetch-guard.ts';

describe('web fetch address ranges', () => {
  it.each([
    ['127.0.0.1', 'loopback'], ['127.255.255.254', 'loopback'], ['10.0.0.1', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'], ['169.254.169.254', 'link-local'], ['100.64.0.1', 'CGNAT'], ['100.127.255.255', 'CGNAT'], ['0.0.0.0', 'unspecified'],
    ['224.0.0.251', 'multicast'], ['255.255.255.255', 'broadcast'], ['198.18.0.1', 'benchmarking'], ['192.0.2.1', 'documentation'],
    ['::', 'unspecified'], ['::1', 'loopback'], ['[::1]', 'loopback'], ['fd12:3456::1', 'unique local'], ['fc00::1', 'unique local'], ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast'], ['::ffff:127.0.0.1', 'IPv4-mapped, loopback'], ['::ffff:a9fe:a9fe', 'IPv4-mapped, link-local'], ['::ffff:10.0.0.1', 'IPv4-mapped, private'],
    ['64:ff9b::7f00:1', 'NAT64'], ['2002:7f00:1::1', '6to4'], ['2001:0:4136:e378::1', 'Teredo'], ['::7f00:1', 'outside IPv6 global unicast'], ['not-an-ip', 'not an IP'],
  ])('refuses %s (%s)', (address, why) => {
    expect(blockedReason(address)).toContain(why);
  });

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '2a00:1450:4001::200e', '::ffff:8.8.8.8'])('lets public %s through', (address) => {
    expect(blockedReason(address)).toBeUndefined();
  });
});
