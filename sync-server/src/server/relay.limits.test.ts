/** Integration: every limit answers with its error frame: frame size, rate, pre-auth connections per address, documents per connection and per workspace, pre-auth timeout, origin, slow consumer, liveness. */
import { afterEach, describe, expect, it } from 'vitest';
import { newDocId } from '@tendril/crdt-schema/ids';
import { CapMode, FrameType } from '@tendril/crdt-schema/wire';
import { relayHarness } from '../testing/harness.ts';
import { testCaps } from '../testing/keys.ts';
import { makeEnvelope } from '../testing/envelopes.ts';
import { barrier, createDoc, follow, range } from '../testing/docs.ts';
import { TestClient } from '../testing/test-client.ts';
import { waitFor } from '../testing/wait.ts';

const h = relayHarness();
afterEach(() => h.cleanup());

describe('relay limits', () => {
  it('refuses a frame over maxFrameBytes with E_FRAME_TOO_LARGE and closes; ws itself drops twice that', async () => {
    const relay = await h.start({ limits: { maxFrameBytes: 2048 } });
    const m = await h.member(relay);
    const { doc } = await createDoc(m.client);
    m.client.send({ type: FrameType.Envelope, doc, ref: 1, envelope: makeEnvelope({ doc, author: m.device, counter: 1, size: 3000 }) });
    expect(await m.client.nextError('E_FRAME_TOO_LARGE')).toMatchObject({ fatal: true });
    expect((await m.client.closed).code).toBe(1009);
    const n = await h.member(relay);
    n.client.sendRaw(new Uint8Array(5000));
    expect((await n.client.closed).code).toBe(1009);
  });

  it('drops frames over the rate with E_RATE_LIMITED and a retry delay: not acked, not stored', async () => {
    const relay = await h.start({ limits: { framesPerSecond: 2, frameBurst: 10 } });
    const m = await h.member(relay);
    const { doc } = await createDoc(m.client);
    for (const counter of range(1, 20)) m.client.send({ type: FrameType.Envelope, doc, ref: counter, envelope: makeEnvelope({ doc, author: m.device, counter }) });
    const answers = await Promise.all(range(1, 20).map((ref) => m.client.next((f) => (f.type === FrameType.Ack || f.type === FrameType.Error) && 'ref' in f && f.ref === ref)));
    const limited = answers.filter((f) => f.type === FrameType.Error && f.code === 'E_RATE_LIMITED');
    const acked = answers.filter((f) => f.type === FrameType.Ack);
    expect(limited.length).toBeGreaterThanOrEqual(10);
    expect(limited.every((f) => f.type === FrameType.Error && f.retryAfterMs > 0 && !f.fatal)).toBe(true);
    expect(acked.length + limited.length).toBe(20);
    expect(await relay.store.head(doc)).toBe(acked.length);
  });

  it('refuses pre-auth connections beyond the per-address cap with E_TOO_MANY_CONNECTIONS', async () => {
    const relay = await h.start({ limits: { maxPreAuthPerIp: 2 } });
    const a = await h.connect(relay);
    await h.connect(relay);
    const third = await h.connect(relay);
    expect(third.challenge).toBeUndefined();
    expect(await third.nextError('E_TOO_MANY_CONNECTIONS')).toMatchObject({ fatal: true });
    await third.closed;
    await a.close();
    await waitFor(async () => {
      const c = await TestClient.connect(relay.url);
      const ok = c.challenge !== undefined;
      await c.close();
      return ok;
    }, 'a free slot');
  });

  it('refuses subscriptions beyond the per-connection cap with E_TOO_MANY_DOCS', async () => {
    const relay = await h.start({ limits: { maxDocsPerConnection: 2 } });
    const m = await h.member(relay);
    const first = await createDoc(m.client);
    await createDoc(m.client);
    const caps = testCaps();
    const third = newDocId();
    expect(await m.client.subscribe(third, caps, CapMode.Write, 0, true)).toMatchObject({ code: 'E_TOO_MANY_DOCS', fatal: false });
    m.client.send({ type: FrameType.Unsubscribe, doc: first.doc });
    expect((await m.client.subscribe(third, caps, CapMode.Write, 0, true)).type).toBe(FrameType.Subscribed);
  });

  it('caps the subscriptions of one workspace summed over its connections; a closed connection frees its share', async () => {
    const relay = await h.start({ limits: { maxSubscriptionsPerWorkspace: 3 } });
    const a = await h.member(relay);
    const b = await h.member(relay, a.workspace);
    const other = await h.member(relay);
    await createDoc(a.client);
    await createDoc(a.client);
    await createDoc(b.client);
    // A fourth document on either connection of the workspace is one too many; another workspace is not affected.
    const caps = testCaps();
    const refused = await b.client.subscribe(newDocId(), caps, CapMode.Write, 0, true);
    expect(refused).toMatchObject({ code: 'E_TOO_MANY_DOCS', fatal: false });
    expect((await createDoc(other.client)).doc).toBeDefined();
    await a.client.close();
    await waitFor(async () => (await b.client.subscribe(newDocId(), testCaps(), CapMode.Write, 0, true)).type === FrameType.Subscribed, 'a freed share');
  });

  it('closes a connection that does not complete its hello in time with E_AUTH_TIMEOUT', async () => {
    const relay = await h.start({ limits: { authTimeoutMs: 100 } });
    const c = await h.connect(relay);
    expect(await c.nextError('E_AUTH_TIMEOUT')).toMatchObject({ fatal: true });
    await c.closed;
  });

  it('applies the Origin allowlist to browsers and lets non-browser peers in', async () => {
    const relay = await h.start({ allowedOrigins: ['https://app.example'] });
    // relay.url is Origin = Host, as a DNS-rebinding page sends it: with a list, only the list counts.
    for (const origin of ['https://evil.example', relay.url]) {
      expect(await (await h.connect(relay, { origin })).nextError('E_ORIGIN'), origin).toMatchObject({ fatal: true });
    }
    for (const origin of ['https://app.example', undefined]) {
      expect((await h.connect(relay, { origin })).challenge, String(origin)).toBeDefined();
    }
    const open = await h.start();
    expect((await h.connect(open, { origin: open.url })).challenge, 'own origin without a list').toBeDefined();
    const strict = await h.start({ allowMissingOrigin: false });
    expect(await (await h.connect(strict)).nextError('E_ORIGIN')).toMatchObject({ fatal: true });
  });

  it('disconnects a slow consumer with E_SLOW_CONSUMER; it resumes from its cursor', async () => {
    const relay = await h.start({ limits: { maxBufferedBytes: 256 * 1024, framesPerSecond: 10_000, frameBurst: 10_000 } });
    const w = await h.member(relay);
    const { doc, caps } = await createDoc(w.client);
    const slow = await h.member(relay, w.workspace);
    await follow(slow.client, doc, caps, CapMode.Read);
    slow.client.ws.pause();
    // 300 entries of 64 KiB (about 19 MiB) fill the socket buffers of a reader that does not read, and then the cap.
    for (let counter = 1; counter <= 300; counter += 20) {
      for (const c of range(counter, counter + 19)) {
        w.client.send({ type: FrameType.Envelope, doc, ref: c, envelope: makeEnvelope({ doc, author: w.device, counter: c, size: 64 * 1024 }) });
      }
      await barrier(w.client);
    }
    slow.client.ws.resume();
    expect(await slow.client.nextError('E_SLOW_CONSUMER', 20_000)).toMatchObject({ fatal: true });
    await slow.client.closed;
    const again = await h.member(relay, w.workspace);
    const head = await relay.store.head(doc);
    const seen = await follow(again.client, doc, caps, CapMode.Read, 10);
    expect(seen.frames.map((f) => f.type === FrameType.Entry && f.seq)).toEqual(range(11, head));
  });

  it('terminates a socket that stops answering pings, and keeps one that answers', async () => {
    const relay = await h.start({ limits: { pingIntervalMs: 50 } });
    const dead = await h.connect(relay, { autoPong: false });
    const alive = await h.connect(relay);
    let pings = 0;
    alive.ws.on('ping', () => pings++);
    expect((await dead.closed).code).toBe(1006);
    await waitFor(() => pings >= 4, 'four pings');
    expect(alive.isOpen).toBe(true);
  });

  it('closes on bytes that do not decode, and answers an unknown or relay-only frame type without closing', async () => {
    const relay = await h.start();
    const m = await h.member(relay);
    m.client.sendRaw(new Uint8Array([FrameType.Ack, 0xff]));
    expect(await m.client.nextError('E_FRAME_MALFORMED')).toMatchObject({ fatal: true });
    expect((await m.client.closed).code).toBe(1002);
    const t = await h.member(relay);
    t.client.sendRaw('{"type":"hello"}');
    expect(await t.client.nextError('E_FRAME_MALFORMED')).toMatchObject({ fatal: true });
    const u = await h.member(relay);
    u.client.sendRaw(new Uint8Array([99, 1, 2]));
    expect(await u.client.nextError('E_FRAME_UNKNOWN')).toMatchObject({ fatal: false });
    u.client.send({ type: FrameType.Ack, doc: newDocId(), ref: 4, seq: 1 });
    expect(await u.client.nextError('E_FRAME_UNKNOWN')).toMatchObject({ fatal: false, ref: 4 });
    await barrier(u.client);
    expect(u.client.isOpen).toBe(true);
  });
});
