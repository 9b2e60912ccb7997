/** Integration: presence is forwarded to the other subscribers, stamped with the sender, never stored, capped and rate-limited. */
import { afterEach, describe, expect, it } from 'vitest';
import { CapMode, FrameType } from '@tendril/crdt-schema/wire';
import { createMemoryStore } from '../store/memory.ts';
import type { RelayStore } from '../store/types.ts';
import { relayHarness } from '../testing/harness.ts';
import { testKey } from '../testing/keys.ts';
import { barrier, createDoc, follow } from '../testing/docs.ts';

const h = relayHarness();
afterEach(() => h.cleanup());

describe('relay presence', () => {
  it('forwards presence to the other subscribers with from = the sender device, and stores nothing', async () => {
    const relay = await h.start();
    const a = await h.member(relay);
    const { doc, caps } = await createDoc(a.client);
    const b = await h.member(relay, a.workspace);
    await follow(b.client, doc, caps, CapMode.Read);
    const before = await relay.store.stats();
    const payload = new Uint8Array([1, 2, 3, 4]);
    a.client.send({ type: FrameType.Presence, doc, from: testKey().id, payload });
    expect(await b.client.nextOf(FrameType.Presence, doc)).toEqual({ type: FrameType.Presence, doc, from: a.device.id, payload });
    await barrier(a.client);
    expect(a.client.inbox.filter((f) => f.type === FrameType.Presence)).toEqual([]);
    expect(await relay.store.stats()).toEqual(before);
    const late = await h.member(relay, a.workspace);
    const seen = await follow(late.client, doc, caps, CapMode.Read);
    expect(seen.frames).toEqual([]);
  });

  it('sends nothing but catch-up frames between Subscribed and CaughtUp: presence waits for live', async () => {
    const inner = createMemoryStore();
    let release = (): void => {};
    let held: Promise<void> | undefined;
    const store: RelayStore = { ...inner, readSince: async (...args) => (await held, inner.readSince(...args)) };
    const relay = await h.start({ store });
    const a = await h.member(relay);
    const { doc, caps } = await createDoc(a.client);
    const b = await h.member(relay, a.workspace);
    held = new Promise((r) => (release = r));
    await b.client.subscribe(doc, caps, CapMode.Read);
    a.client.send({ type: FrameType.Presence, doc, from: a.device.id, payload: new Uint8Array([1]) });
    await barrier(a.client);
    release();
    held = undefined;
    await b.client.nextOf(FrameType.CaughtUp, doc);
    a.client.send({ type: FrameType.Presence, doc, from: a.device.id, payload: new Uint8Array([2]) });
    expect(await b.client.nextOf(FrameType.Presence, doc)).toMatchObject({ payload: new Uint8Array([2]) });
    expect(b.client.received.filter((f) => f.type === FrameType.Presence)).toHaveLength(1);
  });

  it('refuses presence for a document the sender has not subscribed', async () => {
    const relay = await h.start();
    const a = await h.member(relay);
    const { doc } = await createDoc(a.client);
    const b = await h.member(relay, a.workspace);
    b.client.send({ type: FrameType.Presence, doc, from: b.device.id, payload: new Uint8Array(1) });
    expect(await b.client.nextError('E_FORBIDDEN')).toMatchObject({ doc });
  });

  it('caps the payload size (E_PRESENCE_TOO_LARGE) and the rate (E_RATE_LIMITED with a delay)', async () => {
    const relay = await h.start({ limits: { maxPresenceBytes: 64, presencePerSecond: 1, presenceBurst: 3 } });
    const a = await h.member(relay);
    const { doc, caps } = await createDoc(a.client);
    const b = await h.member(relay, a.workspace);
    await follow(b.client, doc, caps, CapMode.Read);
    a.client.send({ type: FrameType.Presence, doc, from: a.device.id, payload: new Uint8Array(65) });
    expect(await a.client.nextError('E_PRESENCE_TOO_LARGE')).toMatchObject({ doc, fatal: false });
    for (let i = 0; i < 5; i++) a.client.send({ type: FrameType.Presence, doc, from: a.device.id, payload: new Uint8Array([i]) });
    const limited = await a.client.nextError('E_RATE_LIMITED');
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    await barrier(b.client);
    await barrier(a.client);
    expect(b.client.inbox.filter((f) => f.type === FrameType.Presence)).toHaveLength(3);
  });
});
