/** Integration: subscribing with read and write capabilities, document creation, and refusals. */
import { afterEach, describe, expect, it } from 'vitest';
import { newDocId } from '@tendril/crdt-schema/ids';
import { CapMode, FrameType } from '@tendril/crdt-schema/wire';
import { relayHarness } from '../testing/harness.ts';
import { testCaps } from '../testing/keys.ts';
import { makeEnvelope } from '../testing/envelopes.ts';
import { appendAll, barrier, createDoc, follow, range } from '../testing/docs.ts';

const h = relayHarness();
afterEach(() => h.cleanup());

describe('relay subscribe', () => {
  it('creates a document under the connection workspace and reports head and snapshot', async () => {
    const relay = await h.start();
    const m = await h.member(relay);
    const doc = newDocId();
    const caps = testCaps();
    expect(await m.client.subscribe(doc, caps, CapMode.Write, 0, true)).toEqual({
      type: FrameType.Subscribed, doc, mode: CapMode.Write, head: 0, snapshotSeq: 0,
    });
    expect(await m.client.nextOf(FrameType.CaughtUp, doc)).toMatchObject({ head: 0 });
    expect(await relay.store.getDoc(doc)).toMatchObject({ workspace: m.workspace, writeKey: caps.write.publicKey, readKey: caps.read.publicKey });
  });

  it('lets a read capability follow but not append: E_FORBIDDEN and nothing stored', async () => {
    const relay = await h.start();
    const writer = await h.member(relay);
    const { doc, caps } = await createDoc(writer.client);
    await appendAll(writer.client, writer.device, doc, range(1, 3));
    const reader = await h.member(relay, writer.workspace);
    const seen = await follow(reader.client, doc, caps, CapMode.Read);
    expect(seen.subscribed.mode).toBe(CapMode.Read);
    expect(seen.frames.map((f) => f.type === FrameType.Entry && f.seq)).toEqual([1, 2, 3]);
    reader.client.send({ type: FrameType.Envelope, doc, ref: 9, envelope: makeEnvelope({ doc, author: reader.device, counter: 1 }) });
    expect(await reader.client.nextError('E_FORBIDDEN')).toMatchObject({ doc, ref: 9, fatal: false });
    expect(await relay.store.head(doc)).toBe(3);
  });

  it('accepts the write key for a read subscription but not the read key for a write one', async () => {
    const relay = await h.start();
    const writer = await h.member(relay);
    const { doc, caps } = await createDoc(writer.client);
    const other = await h.member(relay, writer.workspace);
    other.client.sendSubscribe(doc, caps, CapMode.Read, 0, false, caps.write);
    expect(await other.client.nextOf(FrameType.Subscribed, doc)).toMatchObject({ mode: CapMode.Read });
    const third = await h.member(relay, writer.workspace);
    third.client.sendSubscribe(doc, caps, CapMode.Write, 0, false, caps.read);
    expect(await third.client.nextError('E_AUTH_FAILED')).toMatchObject({ doc, fatal: false });
  });

  it('treats a create with the same keys as a plain subscribe, and refuses other keys with E_DOC_EXISTS', async () => {
    const relay = await h.start();
    const a = await h.member(relay);
    const { doc, caps } = await createDoc(a.client);
    const b = await h.member(relay, a.workspace);
    expect((await b.client.subscribe(doc, caps, CapMode.Write, 0, true)).type).toBe(FrameType.Subscribed);
    const c = await h.member(relay, a.workspace);
    expect(await c.client.subscribe(doc, testCaps(), CapMode.Write, 0, true)).toMatchObject({ code: 'E_DOC_EXISTS' });
  });

  it('refuses unknown documents and documents of another workspace alike', async () => {
    const relay = await h.start();
    const a = await h.member(relay);
    const { doc, caps } = await createDoc(a.client);
    const stranger = await h.member(relay);
    expect(await stranger.client.subscribe(doc, caps, CapMode.Read)).toMatchObject({ code: 'E_UNKNOWN_DOC' });
    expect(await stranger.client.subscribe(newDocId(), caps, CapMode.Read)).toMatchObject({ code: 'E_UNKNOWN_DOC' });
  });

  it('refuses a create not signed by the new write key', async () => {
    const relay = await h.start();
    const a = await h.member(relay);
    const doc = newDocId();
    const caps = testCaps();
    a.client.sendSubscribe(doc, caps, CapMode.Write, 0, true, testCaps().write);
    expect(await a.client.nextError('E_AUTH_FAILED')).toMatchObject({ doc });
    expect(await relay.store.getDoc(doc)).toBeUndefined();
  });

  it('stops delivering after Unsubscribe', async () => {
    const relay = await h.start();
    const writer = await h.member(relay);
    const { doc, caps } = await createDoc(writer.client);
    const reader = await h.member(relay, writer.workspace);
    await follow(reader.client, doc, caps, CapMode.Read);
    reader.client.send({ type: FrameType.Unsubscribe, doc });
    const probe = await h.member(relay, writer.workspace);
    await follow(probe.client, doc, caps, CapMode.Read);
    await appendAll(writer.client, writer.device, doc, [1]);
    await probe.client.nextOf(FrameType.Entry, doc);
    await barrier(reader.client);
    expect(reader.client.inbox.filter((f) => f.type === FrameType.Entry)).toEqual([]);
  });
});
