/** Integration: Stream frames go to the other subscribers or to one device, stamped with the sender, never stored, with their own limits. */
import { afterEach, describe, expect, it } from 'vitest';
import { CapMode, FrameType, type Frame } from '@tendril/crdt-schema/wire';
import type { DocId } from '@tendril/crdt-schema/ids';
import { relayHarness, type Member } from '../testing/harness.ts';
import { barrier, createDoc, follow } from '../testing/docs.ts';
import { testKey } from '../testing/keys.ts';

const h = relayHarness();
afterEach(() => h.cleanup());

const stream = (m: Member, doc: DocId, payload: Uint8Array, to = ''): Frame => ({ type: FrameType.Stream, doc, from: testKey().id, to, payload });
const streams = (m: Member) => m.client.inbox.filter((f) => f.type === FrameType.Stream);

describe('relay streams', () => {
  it('forwards to every other subscriber with from = the sender, or only to the device `to` names; stores nothing', async () => {
    const relay = await h.start();
    const gateway = await h.member(relay);
    const { doc, caps } = await createDoc(gateway.client);
    const [a, b] = [await h.member(relay, gateway.workspace), await h.member(relay, gateway.workspace)];
    for (const m of [a, b]) await follow(m.client, doc, caps, CapMode.Read);
    const before = await relay.store.stats();

    gateway.client.send(stream(gateway, doc, new Uint8Array([1, 2])));
    for (const m of [a, b]) {
      expect(await m.client.nextOf(FrameType.Stream, doc)).toEqual({ type: FrameType.Stream, doc, from: gateway.device.id, to: '', payload: new Uint8Array([1, 2]) });
    }
    gateway.client.send(stream(gateway, doc, new Uint8Array([3]), b.device.id));
    expect(await b.client.nextOf(FrameType.Stream, doc)).toMatchObject({ to: b.device.id, payload: new Uint8Array([3]) });
    a.client.send(stream(a, doc, new Uint8Array([4]), gateway.device.id));
    expect(await gateway.client.nextOf(FrameType.Stream, doc)).toMatchObject({ from: a.device.id, payload: new Uint8Array([4]) });

    for (const m of [a, gateway]) await barrier(m.client);
    expect(streams(a)).toEqual([]);
    expect(streams(gateway)).toEqual([]);
    expect(await relay.store.stats()).toEqual(before);
  });

  it('refuses streams for unsubscribed documents and oversized payloads', async () => {
    const relay = await h.start({ limits: { maxStreamBytes: 1024 } });
    const g = await h.member(relay);
    const { doc } = await createDoc(g.client);
    const other = await h.member(relay, g.workspace);
    other.client.send(stream(other, doc, new Uint8Array(1)));
    expect(await other.client.nextError('E_FORBIDDEN')).toMatchObject({ doc, fatal: false });
    g.client.send(stream(g, doc, new Uint8Array(1025)));
    expect(await g.client.nextError('E_STREAM_TOO_LARGE')).toMatchObject({ doc, fatal: false });
  });

  it('rate-limits streams on their own bucket, apart from the general frame rate', async () => {
    const relay = await h.start({ limits: { framesPerSecond: 1, frameBurst: 4, streamPerSecond: 1, streamBurst: 20 } });
    const g = await h.member(relay);
    const { doc, caps } = await createDoc(g.client);
    const viewer = await h.member(relay, g.workspace);
    await follow(viewer.client, doc, caps, CapMode.Read);
    for (let i = 0; i < 25; i++) g.client.send(stream(g, doc, new Uint8Array([i])));
    const limited = await g.client.nextError('E_RATE_LIMITED');
    expect(limited).toMatchObject({ doc, fatal: false });
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    await barrier(viewer.client);
    expect(streams(viewer).length).toBeGreaterThanOrEqual(20);
    expect(streams(viewer).length).toBeLessThan(25);
  });
});
