/** A gateway's status and figures as the app words them, and what a session on it says. */
import { describe, expect, it } from 'vitest';
import { figureParts, gatewayStatus, gatewayStatusLabel, sessionStateLabel } from './gateway-status.ts';

const time = (at: number) => `t${at}`;
// Announces every 1000 ms: the roster keeps it 3500 ms after each announcement.
const peer = { at: 10_000, expiresAt: 13_500 };

describe('gateway status', () => {
  it('is connected while announcements arrive on time', () => {
    expect(gatewayStatus({ peer, appConnected: true, heardAt: 10_000, now: 10_900 })).toEqual({ kind: 'connected' });
  });

  it('is reconnecting once an announcement is late, or while this app is offline', () => {
    expect(gatewayStatus({ peer, appConnected: true, heardAt: 10_000, now: 11_600 })).toEqual({ kind: 'reconnecting', since: 10_000 });
    expect(gatewayStatus({ peer, appConnected: false, heardAt: 10_000, now: 10_100 })).toEqual({ kind: 'reconnecting', since: 10_000 });
  });

  it('is offline since it was last heard once it left the roster', () => {
    const s = gatewayStatus({ peer: undefined, appConnected: true, heardAt: 9_000, now: 20_000 });
    expect(s).toEqual({ kind: 'offline', since: 9_000 });
    expect(gatewayStatusLabel(s, time)).toBe('offline since t9000');
    expect(gatewayStatusLabel(gatewayStatus({ peer, appConnected: true, heardAt: 10_000, now: 13_500 }), time)).toBe('offline since t10000');
    expect(gatewayStatusLabel(gatewayStatus({ peer: undefined, appConnected: true, heardAt: undefined, now: 1 }), time)).toBe('offline');
  });

  it('replaces a running session\'s state while its gateway is away, and leaves ended ones alone', () => {
    const off = { kind: 'offline', since: 5 } as const;
    expect(sessionStateLabel('running', { kind: 'connected' }, time)).toBe('running');
    expect(sessionStateLabel('running', off, time)).toBe('gateway offline since t5');
    expect(sessionStateLabel('idle', { kind: 'reconnecting' }, time)).toBe('gateway reconnecting');
    expect(sessionStateLabel('ended', off, time)).toBe('ended');
  });

  it('words the figures', () => {
    const G = 2 ** 30;
    expect(figureParts({ cpuPercent: 3.4, loadPercent: 41.6, memFreeBytes: 2 * G, memTotalBytes: 8 * G, diskFreeBytes: 250 * G, uptimeS: 7300 }).map((p) => p.text))
      .toEqual(['CPU 3% (load 42%)', 'memory 6.0 GiB of 8.0 GiB used', 'disk 250 GiB free', 'up 2 h']);
    expect(figureParts({ cpuPercent: 3.4, loadPercent: 41.6, memFreeBytes: 2 * G, memTotalBytes: 8 * G, diskFreeBytes: 250 * G, uptimeS: 7300 }).map((p) => p.value))
      .toEqual([3.4, 6 * G, 250 * G, 7300]);
    expect(figureParts({ cpuPercent: 0, loadPercent: 0, memFreeBytes: 0, memTotalBytes: 512 * 2 ** 20, uptimeS: 5 }).map((p) => p.key)).toEqual(['cpu', 'memory', 'uptime']);
  });
});
