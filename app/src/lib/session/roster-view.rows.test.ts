import { describe, expect, it } from 'vitest';
import type { DeviceId } from '@tendril/crdt-schema/ids';
import type { Announcement } from '@tendril/crdt-schema/schema';
import type { PeerOnline } from '@tendril/crdt-schema/workspace';
import { agentRows, gatewayRows, healthLabel, lastSeen, ROSTER_WARMUP_MS, workersMayBeOnline } from './roster-view.ts';

const GW = 'G'.repeat(43) as DeviceId;
const GW2 = 'H'.repeat(43) as DeviceId;
const WK = 'W'.repeat(43) as DeviceId;
const ME = 'M'.repeat(43) as DeviceId;
const PHONE = 'P'.repeat(43) as DeviceId;

const peer = (device: DeviceId, over: Partial<PeerOnline> = {}): PeerOnline => ({
  device, kind: 'gateway', name: 'laptop', host: 'laptop.local', version: '1', health: { status: 'ok', active: 1 }, at: 1, expiresAt: 2, ...over,
});
// An older record with a fresh-looking lastSeen and health: neither makes a gateway online any more.
const stored: Announcement[] = [
  { device: GW, name: 'laptop', host: 'laptop.local', version: '1', health: { status: 'ok' }, lastSeen: Date.now() },
  { device: GW2, name: 'server', host: 'srv', version: '1' },
];

describe('roster view', () => {
  it('calls a gateway online only when the roster has it, with the roster health', () => {
    expect(gatewayRows(stored, [])).toEqual([
      { device: GW, name: 'laptop', host: 'laptop.local', online: false },
      { device: GW2, name: 'server', host: 'srv', online: false },
    ]);
    const rows = gatewayRows(stored, [peer(GW2, { health: { status: 'degraded', active: 3 } }), peer(WK, { kind: 'worker' })]);
    expect(rows.map((r) => [r.device, r.online, r.health?.status])).toEqual([[GW, false, undefined], [GW2, true, 'degraded']]);
  });

  it('lists a gateway online before its stored record arrived, and a gateway reporting down as offline', () => {
    const NEW = 'N'.repeat(43) as DeviceId;
    expect(gatewayRows([], [peer(NEW, { name: 'new' })])).toEqual([{ device: NEW, name: 'new', host: 'laptop.local', online: true, health: { status: 'ok', active: 1 } }]);
    expect(gatewayRows(stored.slice(0, 1), [peer(GW, { health: { status: 'down' } })])[0]!.online).toBe(false);
  });

  it('lets a worker go first only when one is online, or while the roster is still hearing back', () => {
    expect(workersMayBeOnline([], { workersOnRecord: 3, listeningForMs: ROSTER_WARMUP_MS + 1 })).toBe(false);
    expect(workersMayBeOnline([peer(GW)], { workersOnRecord: 3, listeningForMs: ROSTER_WARMUP_MS + 1 })).toBe(false);
    expect(workersMayBeOnline([peer(WK, { kind: 'worker' })], { workersOnRecord: 0, listeningForMs: 60_000 })).toBe(true);
    expect(workersMayBeOnline([], { workersOnRecord: 1, listeningForMs: 10 })).toBe(true);
    expect(workersMayBeOnline([], { workersOnRecord: 0, listeningForMs: 10 })).toBe(false);
  });

  it('lists agents online, workers first, and this tab while it answers', () => {
    const online = [peer(GW), peer(WK, { kind: 'worker', name: 'agent', turns: 2, health: { status: 'ok', active: 2 } })];
    expect(agentRows(online, { answeringHere: 0 })).toEqual([
      { key: WK, kind: 'worker', name: 'agent', status: 'ok', detail: 'ok, 2 turns' },
      { key: GW, kind: 'gateway', name: 'laptop', status: 'ok', detail: 'ok, 1 session' },
    ]);
    expect(agentRows([], { answeringHere: 1 })).toEqual([{ key: 'this-tab', kind: 'tab', name: 'This tab', status: 'ok', detail: 'answering in this tab' }]);
    expect(healthLabel('gateway', { status: 'degraded', active: 0, queued: 2 })).toBe('degraded, 0 sessions, 2 queued');
  });

  it('shows online now for this device and devices in the roster, else the later of stored and heard', () => {
    expect(lastSeen({ device: ME }, { me: ME, online: [] })).toEqual({ kind: 'online' });
    expect(lastSeen({ device: GW, lastSeen: 5 }, { me: ME, online: [peer(GW)] })).toEqual({ kind: 'online' });
    expect(lastSeen({ device: GW, lastSeen: 5 }, { me: ME, online: [], heardAt: 9 })).toEqual({ kind: 'at', at: 9 });
    expect(lastSeen({ device: PHONE, lastSeen: 50 }, { me: ME, online: [], heardAt: 9 })).toEqual({ kind: 'at', at: 50 });
    expect(lastSeen({ device: WK }, { me: ME, online: [] })).toEqual({ kind: 'never' });
  });
});
