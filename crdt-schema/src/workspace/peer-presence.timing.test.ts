/**
 * When peer presence speaks: on start (asking for replies), every interval,
 * on a health change that matters (not on every figure), after a
 * resubscribe, once in reply to a newcomer or a hello however many arrive in
 * a window, and "leaving" on stop. The channel is an in-memory stand-in for
 * DocSync's presence (the relay path is covered in workers/test/presence.roster.test.ts).
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ObservableV2 } from 'lib0/observable';
import { generateDeviceIdentity, loadCrypto, type CryptoProvider, type DeviceIdentity } from '../crypto/index.ts';
import { newDocId, type DeviceId } from '../ids.ts';
import type { Health } from '../schema/workspace-announcements.ts';
import { SyncState, type SyncStatus } from '../sync/status.ts';
import type { Directory } from './directory.ts';
import { encodePeerPresence, parsePeerPresence, type PeerPresenceMessage } from './peer-announcement.ts';
import { PeerPresence, type PresenceChannel } from './peer-presence.ts';
import { openPeerPresence, signPeerPresence } from './peer-presence-seal.ts';

let crypto: CryptoProvider;
let gwId: DeviceIdentity;
let appId: DeviceIdentity;
let GW: DeviceId;
let APP: DeviceId;
const DOC = newDocId();
beforeAll(async () => {
  crypto = await loadCrypto();
  gwId = generateDeviceIdentity(crypto);
  appId = generateDeviceIdentity(crypto);
  GW = gwId.deviceId;
  APP = appId.deviceId;
});
const directory: Directory = { member: (d) => (d === GW ? { role: 'gateway' } : d === APP ? { role: 'device' } : undefined) };
let seq = 0;
/** A payload as `by` would send it, stamped now. */
const payload = (by: DeviceIdentity, m: Record<string, unknown>) =>
  signPeerPresence(crypto, by, DOC, encodePeerPresence({ ...m, at: Date.now(), boot: 'test', seq: seq++ } as unknown as PeerPresenceMessage));
const status = (state: SyncStatus['state']): SyncStatus => ({ state, progress: { received: 0, expected: 0 }, unacked: 0, error: null });

type Events = { presence: (from: DeviceId, payload: Uint8Array) => void; status: (s: SyncStatus) => void };

/** Channels of one document: what one sends, the others receive from it. */
function hub() {
  const channels = new Map<DeviceId, Channel>();
  const sent: { from: DeviceId; m: PeerPresenceMessage | null }[] = [];
  class Channel extends ObservableV2<Events> implements PresenceChannel {
    readonly doc = DOC;
    status = status(SyncState.Synced);
    constructor(readonly me: DeviceId) {
      super();
      channels.set(me, this);
    }
    sendPresence(payload: Uint8Array): void {
      const message = openPeerPresence(crypto, DOC, this.me, payload);
      sent.push({ from: this.me, m: message && parsePeerPresence(message) });
      for (const [d, c] of channels) if (d !== this.me) c.emit('presence', [this.me, payload]);
    }
    setStatus(s: SyncStatus['state']): void {
      this.status = status(s);
      this.emit('status', [this.status]);
    }
  }
  return { sent, channel: (me: DeviceId) => new Channel(me) };
}

describe('peer presence', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  function gateway(h: ReturnType<typeof hub>, health: { current: Health }) {
    return new PeerPresence({
      crypto, channel: h.channel(GW), identity: gwId, directory, everyMs: 10_000,
      describe: () => ({ kind: 'gateway', name: 'laptop', host: 'h', version: '1', health: health.current }),
    });
  }

  it('lets an app that opens learn who is online within a second, not an interval', () => {
    const h = hub();
    const gw = gateway(h, { current: { status: 'ok', active: 0 } });
    gw.start();
    expect(h.sent.map((s) => s.m)).toMatchObject([{ t: 'peer', kind: 'gateway', ask: true }]);
    vi.advanceTimersByTime(4_000);
    const changes: number[] = [];
    const app = new PeerPresence({ crypto, channel: h.channel(APP), identity: appId, directory, onChange: () => changes.push(Date.now()) });
    app.start();
    expect(h.sent.at(-1)).toMatchObject({ from: APP, m: { t: 'hello' } });
    vi.advanceTimersByTime(1_000);
    expect(app.online().map((p) => [p.device, p.health.status])).toEqual([[GW, 'ok']]);
    expect(changes).toHaveLength(1);
    gw.stop();
    app.stop();
  });

  it('answers a flood of hellos with one announcement per second', () => {
    const h = hub();
    const gw = gateway(h, { current: { status: 'ok' } });
    gw.start();
    const app = h.channel(APP);
    for (let i = 0; i < 100; i++) {
      app.sendPresence(payload(appId, { t: 'hello' }));
      vi.advanceTimersByTime(20);
    }
    const fromGw = h.sent.filter((s) => s.from === GW);
    // The start announcement, then at most one reply per second over these two seconds.
    expect(fromGw.length).toBeGreaterThanOrEqual(2);
    expect(fromGw.length).toBeLessThanOrEqual(4);
    gw.stop();
  });

  it('announces within a second when a health figure that matters changes, not for the detail text', () => {
    const h = hub();
    const health = { current: { status: 'ok', active: 0, detail: 'cpu 1%' } as Health };
    const gw = gateway(h, health);
    gw.start();
    const count = () => h.sent.filter((s) => s.from === GW).length;
    health.current = { status: 'ok', active: 0, detail: 'cpu 9%' };
    gw.healthChanged();
    vi.advanceTimersByTime(1_000);
    expect(count()).toBe(1);
    // A burst of changes costs one announcement per second, with the latest figures.
    for (let active = 1; active <= 5; active++) {
      health.current = { status: 'ok', active, detail: 'cpu 9%' };
      gw.healthChanged();
    }
    vi.advanceTimersByTime(1_000);
    expect(count()).toBe(2);
    expect(h.sent.at(-1)?.m).toMatchObject({ health: { active: 5 } });
    health.current = { status: 'degraded', active: 5 };
    gw.healthChanged();
    vi.advanceTimersByTime(1_000);
    expect(count()).toBe(3);
    expect(h.sent.at(-1)?.m).toMatchObject({ health: { status: 'degraded' } });
    vi.advanceTimersByTime(7_000);
    expect(count()).toBe(4);
    gw.stop();
  });

  it('greets again after a resubscribe, and says leaving when it stops', () => {
    const h = hub();
    const gw = gateway(h, { current: { status: 'ok' } });
    const ch = h.channel(APP);
    const app = new PeerPresence({ crypto, channel: ch, identity: appId, directory });
    app.start();
    gw.start();
    expect(app.online()).toHaveLength(1);
    ch.setStatus(SyncState.Offline);
    ch.setStatus(SyncState.Syncing);
    ch.setStatus(SyncState.Synced);
    expect(h.sent.filter((s) => s.from === APP).map((s) => s.m?.t)).toEqual(['hello', 'hello']);
    gw.stop();
    expect(h.sent.at(-1)?.m).toMatchObject({ t: 'peer', leaving: true });
    expect(app.online()).toEqual([]);
    app.stop();
  });

  it('expires a peer that went silent after about three intervals', () => {
    const h = hub();
    const gwChannel = h.channel(GW);
    const app = new PeerPresence({ crypto, channel: h.channel(APP), identity: appId, directory });
    app.start();
    gwChannel.sendPresence(payload(gwId, { t: 'peer', kind: 'gateway', name: 'g', host: 'h', version: '1', health: { status: 'ok' }, every: 1_000 }));
    expect(app.online()).toHaveLength(1);
    vi.advanceTimersByTime(3_000);
    expect(app.online()).toHaveLength(1);
    vi.advanceTimersByTime(1_000);
    expect(app.online()).toEqual([]);
    app.stop();
  });
});
