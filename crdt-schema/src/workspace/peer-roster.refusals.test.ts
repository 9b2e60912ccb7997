/**
 * The roster of peers online accepts an announcement only from an active
 * member whose role matches the kind it claims, caps every field, ignores
 * malformed payloads, expires peers that stop announcing, drops one that says
 * it is leaving.
 */
import { describe, expect, it } from 'vitest';
import type { DeviceId } from '../ids.ts';
import type { Directory, MemberRecord } from './directory.ts';
import { encodePeerPresence, PEER_PRESENCE_LIMITS, type PeerAnnouncement } from './peer-announcement.ts';
import { PeerRoster } from './peer-roster.ts';

const ME = 'M'.repeat(43) as DeviceId;
const GW = 'G'.repeat(43) as DeviceId;
const WK = 'W'.repeat(43) as DeviceId;
const PHONE = 'P'.repeat(43) as DeviceId;
const GONE = 'R'.repeat(43) as DeviceId;
const STRANGER = 'S'.repeat(43) as DeviceId;

const members = new Map<DeviceId, MemberRecord>([
  [ME, { role: 'device' }],
  [GW, { role: 'gateway' }],
  [WK, { role: 'worker' }],
  [PHONE, { role: 'device' }],
  [GONE, { role: 'gateway', revokedAtEpoch: 1 }],
]);
const directory: Directory = { member: (d) => members.get(d) };

const gateway = (over: Partial<PeerAnnouncement> = {}): PeerAnnouncement => ({
  t: 'peer', kind: 'gateway', name: 'laptop', host: 'laptop.local', version: '0.1.0', health: { status: 'ok', active: 1 }, every: 1000, ...over,
});
const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

function roster() {
  const clock = { t: 1_000 };
  return { clock, r: new PeerRoster({ self: ME, directory, now: () => clock.t }) };
}

describe('peer roster', () => {
  it('keeps a gateway and a worker announced by members of those roles, with their health', () => {
    const { r } = roster();
    expect(r.receive(GW, encodePeerPresence(gateway()))).toEqual({ ok: true, newcomer: true, ask: false, changed: true });
    expect(r.receive(WK, encodePeerPresence(gateway({ kind: 'worker', name: 'agent', turns: 2, ask: true })))).toMatchObject({ ok: true, newcomer: true, ask: true });
    expect(r.list().map((p) => [p.device, p.kind, p.name, p.health.status])).toEqual([
      [GW, 'gateway', 'laptop', 'ok'],
      [WK, 'worker', 'agent', 'ok'],
    ]);
    expect(r.get(WK)?.turns).toBe(2);
    expect(r.receive(GW, encodePeerPresence(gateway()))).toMatchObject({ newcomer: false, changed: false });
  });

  it('refuses a kind that does not match the member role (a device or a worker posing as a gateway)', () => {
    const { r } = roster();
    expect(r.receive(PHONE, encodePeerPresence(gateway()))).toEqual({ ok: false, refused: 'wrong-role' });
    expect(r.receive(WK, encodePeerPresence(gateway()))).toEqual({ ok: false, refused: 'wrong-role' });
    expect(r.receive(GW, encodePeerPresence(gateway({ kind: 'worker' })))).toEqual({ ok: false, refused: 'wrong-role' });
    expect(r.list()).toEqual([]);
  });

  it('refuses revoked members, non-members and its own echo', () => {
    const { r } = roster();
    expect(r.receive(GONE, encodePeerPresence(gateway()))).toEqual({ ok: false, refused: 'revoked' });
    expect(r.receive(STRANGER, encodePeerPresence(gateway()))).toEqual({ ok: false, refused: 'not-member' });
    expect(r.receive(ME, encodePeerPresence(gateway()))).toEqual({ ok: false, refused: 'self' });
    expect(r.receive(STRANGER, encodePeerPresence({ t: 'hello' }))).toEqual({ ok: false, refused: 'not-member' });
    expect(r.list()).toEqual([]);
    expect(r.heardAt(STRANGER)).toBeUndefined();
  });

  it('drops a peer re-roled or revoked after it announced', () => {
    const { r } = roster();
    r.receive(GW, encodePeerPresence(gateway()));
    members.set(GW, { role: 'gateway', revokedAtEpoch: 2 });
    try {
      expect(r.recheck()).toBe(true);
      expect(r.list()).toEqual([]);
    } finally {
      members.set(GW, { role: 'gateway' });
    }
  });

  it('ignores malformed payloads', () => {
    const { r } = roster();
    const bad = [
      new TextEncoder().encode('{not json'),
      new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]),
      bytes(null),
      bytes([1, 2]),
      bytes({ ...gateway(), v: 2 }),
      bytes({ ...gateway(), v: undefined }),
      bytes({ ...gateway(), v: 1, t: 'other' }),
      bytes({ ...gateway(), v: 1, kind: 'admin' }),
      bytes({ ...gateway(), v: 1, name: 5 }),
      bytes({ ...gateway(), v: 1, health: { status: 'fine' } }),
      bytes({ ...gateway(), v: 1, health: { status: 'ok', active: -1 } }),
      bytes({ ...gateway(), v: 1, health: { status: 'ok', active: 1.5 } }),
      bytes({ ...gateway(), v: 1, turns: 'many' }),
      bytes({ ...gateway(), v: 1, every: 'often' }),
      bytes({ ...gateway(), v: 1, leaving: 'yes' }),
      bytes({ v: 1, ...gateway(), detail: 'x'.repeat(PEER_PRESENCE_LIMITS.bytes) }),
    ];
    for (const p of bad) expect(r.receive(GW, p)).toEqual({ ok: false, refused: 'malformed' });
    expect(r.list()).toEqual([]);
  });

  it('caps every field: long text is cut, counts and the interval are clamped', () => {
    const { r, clock } = roster();
    const long = (n: number) => 'x'.repeat(n + 50);
    const payload = bytes({
      v: 1, t: 'peer', kind: 'worker', name: long(PEER_PRESENCE_LIMITS.name), host: long(PEER_PRESENCE_LIMITS.host), version: long(PEER_PRESENCE_LIMITS.version),
      health: { status: 'ok', active: 2 ** 40, queued: 7, detail: long(PEER_PRESENCE_LIMITS.detail) }, turns: 2 ** 40, every: 10 ** 12,
    });
    expect(payload.length).toBeLessThanOrEqual(PEER_PRESENCE_LIMITS.bytes);
    expect(r.receive(WK, payload).ok).toBe(true);
    const p = r.get(WK)!;
    expect([p.name.length, p.host.length, p.version.length, p.health.detail!.length]).toEqual([
      PEER_PRESENCE_LIMITS.name, PEER_PRESENCE_LIMITS.host, PEER_PRESENCE_LIMITS.version, PEER_PRESENCE_LIMITS.detail,
    ]);
    expect([p.health.active, p.turns]).toEqual([PEER_PRESENCE_LIMITS.count, PEER_PRESENCE_LIMITS.count]);
    // An interval claimed far above the cap keeps the peer listed no longer than the capped interval allows.
    clock.t += PEER_PRESENCE_LIMITS.maxEveryMs * 4;
    expect(r.list()).toEqual([]);
  });

  it('expires a peer after about three missed announcements, and drops one that says it is leaving at once', () => {
    const { r, clock } = roster();
    r.receive(GW, encodePeerPresence(gateway({ every: 1000 })));
    r.receive(WK, encodePeerPresence(gateway({ kind: 'worker', every: 1000 })));
    clock.t += 2_500;
    expect(r.expire()).toBe(false);
    r.receive(WK, encodePeerPresence(gateway({ kind: 'worker', every: 1000 })));
    clock.t += 1_500;
    expect(r.list().map((p) => p.device)).toEqual([WK]);
    expect(r.expire()).toBe(true);
    expect(r.receive(WK, encodePeerPresence(gateway({ kind: 'worker', leaving: true })))).toMatchObject({ ok: true, changed: true });
    expect(r.list()).toEqual([]);
  });

  it('remembers when it last heard any member on the index, a hello included', () => {
    const { r, clock } = roster();
    expect(r.receive(PHONE, encodePeerPresence({ t: 'hello' }))).toEqual({ ok: true, newcomer: false, ask: true, changed: false });
    expect(r.heardAt(PHONE)).toBe(clock.t);
    expect(r.list()).toEqual([]);
  });
});
