/**
 * The roster of peers online accepts an announcement only when it is signed
 * by its sender, from an active member whose role matches the kind it
 * claims, fresh and not a replay; it caps every field, ignores malformed
 * payloads, expires peers that stop announcing and drops one that says it
 * is leaving.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { generateDeviceIdentity, loadCrypto, type CryptoProvider, type DeviceIdentity } from '../crypto/index.ts';
import { newDocId, type DeviceId } from '../ids.ts';
import type { Directory, MemberRecord } from './directory.ts';
import { encodePeerPresence, PEER_PRESENCE_LIMITS, type PeerAnnouncement, type PeerPresenceMessage } from './peer-announcement.ts';
import { signPeerPresence } from './peer-presence-seal.ts';
import { MAX_CLOCK_SKEW_MS, mayAnnounceAs, PeerRoster } from './peer-roster.ts';

let crypto: CryptoProvider;
let me: DeviceIdentity, gw: DeviceIdentity, wk: DeviceIdentity, phone: DeviceIdentity, gone: DeviceIdentity, stranger: DeviceIdentity;
const members = new Map<DeviceId, MemberRecord>();
const directory: Directory = { member: (d) => members.get(d) };
const DOC = newDocId();
let seq = 0;

beforeAll(async () => {
  crypto = await loadCrypto();
  [me, gw, wk, phone, gone, stranger] = Array.from({ length: 6 }, () => generateDeviceIdentity(crypto)) as [DeviceIdentity, DeviceIdentity, DeviceIdentity, DeviceIdentity, DeviceIdentity, DeviceIdentity];
  members.set(me.deviceId, { role: 'device' });
  members.set(gw.deviceId, { role: 'gateway' });
  members.set(wk.deviceId, { role: 'worker' });
  members.set(phone.deviceId, { role: 'device' });
  members.set(gone.deviceId, { role: 'gateway', revokedAtEpoch: 1 });
});

const START = 1_000_000;
const stamp = () => ({ at: START, boot: 'b1', seq: seq++ });
const gateway = (over: Partial<PeerAnnouncement> = {}): PeerAnnouncement => ({
  t: 'peer', kind: 'gateway', name: 'laptop', host: 'laptop.local', version: '0.1.0', health: { status: 'ok', active: 1 }, every: 1000, ...stamp(), ...over,
});
/** A payload as `by` would send it. */
const signed = (by: DeviceIdentity, m: PeerPresenceMessage | Uint8Array) => signPeerPresence(crypto, by, DOC, m instanceof Uint8Array ? m : encodePeerPresence(m));
const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

function roster() {
  const clock = { t: START };
  return { clock, r: new PeerRoster({ crypto, doc: DOC, self: me.deviceId, directory, now: () => clock.t }) };
}

describe('peer roster', () => {
  it('keeps a gateway and a worker announced by members of those roles, with their health', () => {
    const { r } = roster();
    expect(r.receive(gw.deviceId, signed(gw, gateway()))).toEqual({ ok: true, newcomer: true, ask: false, changed: true });
    expect(r.receive(wk.deviceId, signed(wk, gateway({ kind: 'worker', name: 'agent', turns: 2, ask: true })))).toMatchObject({ ok: true, newcomer: true, ask: true });
    const listed = r.list().map((p) => [p.device, p.kind, p.name, p.health.status]);
    expect(listed).toHaveLength(2);
    expect(listed).toContainEqual([gw.deviceId, 'gateway', 'laptop', 'ok']);
    expect(listed).toContainEqual([wk.deviceId, 'worker', 'agent', 'ok']);
    expect(r.get(wk.deviceId)?.turns).toBe(2);
    expect(r.receive(gw.deviceId, signed(gw, gateway()))).toMatchObject({ newcomer: false, changed: false });
  });

  it('refuses a kind that does not match the member role (a device or a worker posing as a gateway)', () => {
    const { r } = roster();
    expect(r.receive(phone.deviceId, signed(phone, gateway()))).toEqual({ ok: false, refused: 'wrong-role' });
    expect(r.receive(wk.deviceId, signed(wk, gateway()))).toEqual({ ok: false, refused: 'wrong-role' });
    expect(r.receive(gw.deviceId, signed(gw, gateway({ kind: 'worker' })))).toEqual({ ok: false, refused: 'wrong-role' });
    expect(r.list()).toEqual([]);
  });

  it('keeps a worker run from a device home (joined with an app invite), but never a viewer posing as one', () => {
    expect(mayAnnounceAs('device', 'worker')).toBe(true);
    expect(mayAnnounceAs('admin', 'worker')).toBe(true);
    expect(mayAnnounceAs('viewer', 'worker')).toBe(false);
    expect(mayAnnounceAs('gateway', 'worker')).toBe(false);
    expect(mayAnnounceAs('device', 'gateway')).toBe(false);
    const { r } = roster();
    expect(r.receive(phone.deviceId, signed(phone, gateway({ kind: 'worker' })))).toMatchObject({ ok: true });
    expect(r.list('worker').map((p) => p.device)).toEqual([phone.deviceId]);
  });

  it("refuses an announcement not signed by its sender (a key holder making up the gateway's, relayed under its id)", () => {
    const { r } = roster();
    expect(r.receive(gw.deviceId, signed(phone, gateway()))).toEqual({ ok: false, refused: 'bad-signature' });
    const other = signPeerPresence(crypto, gw, newDocId(), encodePeerPresence(gateway()));
    expect(r.receive(gw.deviceId, other)).toEqual({ ok: false, refused: 'bad-signature' });
    const tampered = signed(gw, gateway());
    tampered[tampered.length - 3]! ^= 1;
    expect(r.receive(gw.deviceId, tampered)).toEqual({ ok: false, refused: 'bad-signature' });
    expect(r.receive(gw.deviceId, new Uint8Array(10))).toEqual({ ok: false, refused: 'bad-signature' });
    expect(r.list()).toEqual([]);
  });

  it('refuses a replayed or stale announcement', () => {
    const { r, clock } = roster();
    const first = signed(gw, gateway());
    const leaving = signed(gw, gateway({ leaving: true }));
    expect(r.receive(gw.deviceId, first).ok).toBe(true);
    expect(r.receive(gw.deviceId, leaving).ok).toBe(true);
    // The relay plays the earlier announcement again: the gateway stays gone.
    expect(r.receive(gw.deviceId, first)).toEqual({ ok: false, refused: 'replayed' });
    // An older boot of the same device (earlier clock) is a replay too; a newer boot is a restart.
    expect(r.receive(gw.deviceId, signed(gw, gateway({ boot: 'b0', at: START - 5_000 })))).toEqual({ ok: false, refused: 'replayed' });
    expect(r.receive(gw.deviceId, signed(gw, gateway({ boot: 'b2', seq: 0, at: START + 5 })))).toMatchObject({ ok: true, newcomer: true });
    clock.t += MAX_CLOCK_SKEW_MS + 1;
    expect(r.receive(wk.deviceId, signed(wk, gateway({ kind: 'worker', at: START })))).toEqual({ ok: false, refused: 'stale' });
    expect(r.receive(wk.deviceId, signed(wk, gateway({ kind: 'worker', at: clock.t + MAX_CLOCK_SKEW_MS + 1 })))).toEqual({ ok: false, refused: 'stale' });
  });

  it('refuses revoked members, non-members and its own echo', () => {
    const { r } = roster();
    expect(r.receive(gone.deviceId, signed(gone, gateway()))).toEqual({ ok: false, refused: 'revoked' });
    expect(r.receive(stranger.deviceId, signed(stranger, gateway()))).toEqual({ ok: false, refused: 'not-member' });
    expect(r.receive(me.deviceId, signed(me, gateway()))).toEqual({ ok: false, refused: 'self' });
    expect(r.receive(stranger.deviceId, signed(stranger, { t: 'hello', ...stamp() }))).toEqual({ ok: false, refused: 'not-member' });
    expect(r.list()).toEqual([]);
    expect(r.heardAt(stranger.deviceId)).toBeUndefined();
  });

  it('drops a peer revoked after it announced', () => {
    const { r } = roster();
    r.receive(gw.deviceId, signed(gw, gateway()));
    members.set(gw.deviceId, { role: 'gateway', revokedAtEpoch: 2 });
    try {
      expect(r.recheck()).toBe(true);
      expect(r.list()).toEqual([]);
    } finally {
      members.set(gw.deviceId, { role: 'gateway' });
    }
  });

  it('ignores malformed payloads, signed or not', () => {
    const { r } = roster();
    const good = { v: 1, ...gateway() };
    const bad = [
      new TextEncoder().encode('{not json'),
      new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]),
      json(null),
      json([1, 2]),
      json({ ...good, v: 2 }),
      json({ ...good, v: undefined }),
      json({ ...good, t: 'other' }),
      json({ ...good, kind: 'admin' }),
      json({ ...good, name: 5 }),
      json({ ...good, health: { status: 'fine' } }),
      json({ ...good, health: { status: 'ok', active: -1 } }),
      json({ ...good, health: { status: 'ok', active: 1.5 } }),
      json({ ...good, turns: 'many' }),
      json({ ...good, every: 'often' }),
      json({ ...good, leaving: 'yes' }),
      json({ ...good, at: 'now' }),
      json({ ...good, seq: -1 }),
      json({ ...good, boot: 'x'.repeat(PEER_PRESENCE_LIMITS.boot + 1) }),
      json({ ...good, detail: 'x'.repeat(PEER_PRESENCE_LIMITS.bytes) }),
    ];
    expect(r.receive(gw.deviceId, signed(gw, json(good))).ok).toBe(true);
    for (const p of bad) expect(r.receive(gw.deviceId, signed(gw, p))).toEqual({ ok: false, refused: 'malformed' });
    expect(r.receive(gw.deviceId, signed(gw, gateway({ leaving: true }))).ok).toBe(true);
    expect(r.list()).toEqual([]);
  });

  it('caps every field: long text is cut, counts and the interval are clamped', () => {
    const { r, clock } = roster();
    const long = (n: number) => 'x'.repeat(n + 50);
    const payload = json({
      v: 1, t: 'peer', kind: 'worker', name: long(PEER_PRESENCE_LIMITS.name), host: long(PEER_PRESENCE_LIMITS.host), version: long(PEER_PRESENCE_LIMITS.version),
      health: { status: 'ok', active: 2 ** 40, queued: 7, detail: long(PEER_PRESENCE_LIMITS.detail) }, turns: 2 ** 40, every: 10 ** 12, ...stamp(),
    });
    expect(payload.length).toBeLessThanOrEqual(PEER_PRESENCE_LIMITS.bytes);
    expect(r.receive(wk.deviceId, signed(wk, payload)).ok).toBe(true);
    const p = r.get(wk.deviceId)!;
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
    r.receive(gw.deviceId, signed(gw, gateway({ every: 1000 })));
    r.receive(wk.deviceId, signed(wk, gateway({ kind: 'worker', every: 1000 })));
    clock.t += 2_500;
    expect(r.expire()).toBe(false);
    r.receive(wk.deviceId, signed(wk, gateway({ kind: 'worker', every: 1000 })));
    clock.t += 1_500;
    expect(r.list().map((p) => p.device)).toEqual([wk.deviceId]);
    expect(r.expire()).toBe(true);
    expect(r.receive(wk.deviceId, signed(wk, gateway({ kind: 'worker', leaving: true })))).toMatchObject({ ok: true, changed: true });
    expect(r.list()).toEqual([]);
  });

  it('remembers when it last heard any member on the index, a hello included', () => {
    const { r, clock } = roster();
    expect(r.receive(phone.deviceId, signed(phone, { t: 'hello', ...stamp() }))).toEqual({ ok: true, newcomer: false, ask: true, changed: false });
    expect(r.heardAt(phone.deviceId)).toBe(clock.t);
    expect(r.list()).toEqual([]);
  });
});
