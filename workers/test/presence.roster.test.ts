/**
 * Who is online comes from ephemeral presence, not from the stored index:
 * a real relay, a real gateway process and a real worker process announcing
 * every 300 ms. Over ten and more announce intervals the index document gains
 * no stored update from them, while an observing device's roster shows both
 * online with their health; a killed worker expires from the roster, and a
 * gateway stopped cleanly leaves it with its "leaving" announcement.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceId } from '@tendril/crdt-schema/ids';
import { openPeerPresence, parsePeerPresence, PeerPresence, type WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { cliOk, eventually, relayFixture } from './harness.ts';
import { makeWorkspace, type Workspace } from './peers.ts';
import { startTendril, type TendrilProcess } from './processes.ts';

const EVERY_MS = 300;

describe('gateways and workers online from presence', () => {
  const env = relayFixture('presence-roster', { beforeAll, afterAll });
  let ws: Workspace;
  let gateway: TendrilProcess;
  let worker: TendrilProcess;
  let gatewayId: DeviceId;
  let workerId: DeviceId;
  let observer: WorkspaceSession;
  let presence: PeerPresence;
  /** Announcements heard from each device, in order. */
  const heard = new Map<DeviceId, { leaving: boolean; listedAfter: boolean }[]>();

  beforeAll(async () => {
    ws = await makeWorkspace(env.dir, env.relay.url, 0);
    const admin = ws.homes[0]!;
    await cliOk('join', '--home', join(env.dir, 'gw'), (await cliOk('invite', '--home', admin, '--role', 'gateway')).last, '--name', 'gw');
    await cliOk('join', '--home', join(env.dir, 'worker'), (await cliOk('invite', '--home', admin, '--role', 'worker')).last, '--name', 'worker');
    gateway = startTendril(['gateway', '--home', join(env.dir, 'gw'), '--name', 'gw', '--no-tmux', '--shell', '/bin/sh', '--announce-ms', String(EVERY_MS)], ' running');
    worker = startTendril(['worker', '--home', join(env.dir, 'worker'), '--name', 'agent', '--no-plugins', '--announce-ms', String(EVERY_MS)], 'answering chats');
    await Promise.all([gateway.ready, worker.ready]);
    gatewayId = /gateway (\S+) running/.exec(gateway.log())![1]! as DeviceId;
    workerId = /worker (\S+) answering chats/.exec(worker.log())![1]! as DeviceId;

    observer = await ws.open(0);
    expect(await observer.syncOrQueue(15_000)).toBe('synced');
    presence = new PeerPresence({ crypto: ws.crypto, channel: observer.index, identity: observer.home.identity, directory: observer.members });
    presence.start();
    // After the roster took the payload in (registered after it): what it said, and whether its sender is still listed.
    observer.index.on('presence', (from, payload) => {
      const message = openPeerPresence(ws.crypto, observer.index.doc, from, payload);
      const m = message && parsePeerPresence(message);
      if (m?.t !== 'peer') return;
      heard.set(from, [...(heard.get(from) ?? []), { leaving: m.leaving === true, listedAfter: presence.roster.get(from) !== undefined }]);
    });
  }, 180_000);

  afterAll(async () => {
    presence?.stop();
    await observer?.close();
    worker?.kill();
    gateway?.kill();
  });

  it('shows both online with their health, and their announcements store nothing in the index', async () => {
    await eventually(() => presence.online().length === 2, 20_000, 'the gateway and the worker in the roster');
    const online = presence.online();
    expect(online.find((p) => p.device === gatewayId)).toMatchObject({ kind: 'gateway', name: 'gw', health: { status: 'ok', active: 0 } });
    expect(online.find((p) => p.device === workerId)).toMatchObject({ kind: 'worker', name: 'agent', health: { status: 'ok', active: 0 }, turns: 0 });
    // Their start-up writes (the static record, lastSeen) are in; from here on, count what reaches the index.
    expect(await observer.syncOrQueue(15_000)).toBe('synced');
    const stored = observer.workspace();
    expect(stored.gateways.get(gatewayId)).toEqual({ device: gatewayId, name: 'gw', host: expect.any(String) as string, version: '0.1.0' });
    expect(stored.members.get(workerId)?.lastSeen).toEqual(expect.any(Number));
    let updates = 0;
    observer.index.ydoc.on('update', () => updates++);
    const count = (d: DeviceId) => heard.get(d)?.length ?? 0;
    const [g0, w0] = [count(gatewayId), count(workerId)];
    await eventually(() => count(gatewayId) >= g0 + 10 && count(workerId) >= w0 + 10, 60_000, 'ten more announcements from each');
    expect(await observer.syncOrQueue(15_000)).toBe('synced');
    expect(updates).toBe(0);
    expect(presence.online().map((p) => p.device).sort()).toEqual([gatewayId, workerId].sort());
  }, 120_000);

  it('expires a worker that was killed', async () => {
    worker.kill();
    await eventually(() => presence.roster.get(workerId) === undefined, 20_000, 'the killed worker to expire');
    expect(heard.get(workerId)!.some((h) => h.leaving)).toBe(false);
    expect(presence.roster.get(gatewayId)).toBeDefined();
  }, 60_000);

  it('drops a gateway that stops cleanly as soon as its leaving announcement arrives', async () => {
    expect(presence.roster.get(gatewayId)).toBeDefined();
    gateway.child.kill('SIGTERM');
    await eventually(() => heard.get(gatewayId)!.some((h) => h.leaving), 20_000, 'the leaving announcement');
    expect(heard.get(gatewayId)!.find((h) => h.leaving)).toEqual({ leaving: true, listedAfter: false });
    expect(presence.online()).toEqual([]);
  }, 60_000);
});
