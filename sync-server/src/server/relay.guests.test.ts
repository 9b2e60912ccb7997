/**
 * Integration: guest links at the relay. A member registers a link under a
 * capKey; a visitor is admitted by the access code (slowed after wrong codes)
 * or, on return, by the visitor key alone; an admitted connection follows and
 * writes its own conversation and nothing else; the owner follows the
 * conversation with the capKey; floods are refused per visitor, link and
 * address before the store; ending a visitor or a link closes them and
 * refuses them from then on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { guestDocId, CapMode, FrameType, type ErrorFrame, type Frame } from '@tendril/crdt-schema/wire';
import { relayHarness } from '../testing/harness.ts';
import { testKey } from '../testing/keys.ts';
import { appendAll, createDoc, range } from '../testing/docs.ts';
import { makeEnvelope } from '../testing/envelopes.ts';
import { manualClock } from '../testing/manual-clock.ts';
import { endGuest, followConversation, guestHello, linkFrame, registerLink, watchLink } from '../testing/guests.ts';

const h = relayHarness();
afterEach(() => h.cleanup());

const limits = { guestCodeFreeTriesPerIp: 3, guestCodeFreeTriesPerLink: 50, guestCodeDelayMs: 1000, guestCodeMaxDelayMs: 60_000 };
const isError = (f: Frame, code: string): boolean => f.type === FrameType.Error && f.code === code;

describe('relay guest links', () => {
  it('refuses wrong codes, slows down after repeated ones (even the right code waits), then admits', async () => {
    const clock = manualClock();
    const relay = await h.start({ clock, limits });
    const owner = await h.member(relay);
    const t = await registerLink(owner.client);
    const visitor = testKey();
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const c = await h.connect(relay);
      const answer = (await guestHello(c, t, visitor, `wrong-${i}`)) as ErrorFrame;
      expect(answer).toMatchObject({ type: FrameType.Error, code: 'E_GUEST_CODE', fatal: true });
      waits.push(answer.retryAfterMs);
      if (answer.retryAfterMs > 0) {
        const early = await h.connect(relay);
        expect(await guestHello(early, t, visitor, t.code)).toMatchObject({ code: 'E_GUEST_CODE', retryAfterMs: answer.retryAfterMs });
        clock.advance(answer.retryAfterMs);
      }
    }
    expect(waits).toEqual([0, 0, 0, 1000, 2000]);
    const c = await h.connect(relay);
    expect((await guestHello(c, t, visitor, ` ${t.code} `)).type).toBe(FrameType.Welcome);
  });

  it('lets a visitor write its own conversation only; the owner follows it with the capKey and answers', async () => {
    const relay = await h.start({ limits });
    const owner = await h.member(relay);
    const t = await registerLink(owner.client);
    const a = testKey();
    const b = testKey();
    const ca = await h.connect(relay);
    const cb = await h.connect(relay);
    expect((await guestHello(ca, t, a, t.code)).type).toBe(FrameType.Welcome);
    expect((await guestHello(cb, t, b, t.code)).type).toBe(FrameType.Welcome);
    const conv = await followConversation(ca, t, a);
    expect(conv.answer.type).toBe(FrameType.Subscribed);
    await appendAll(ca, a, conv.doc, [1, 2]);

    // B cannot follow A's conversation, by A's doc id with B's key, nor create or reach anything else.
    const other = guestDocId(t.link, a.publicKey);
    cb.sendSubscribe(other, { write: b, read: b }, CapMode.Read);
    expect(await cb.next((f) => isError(f, 'E_FORBIDDEN'))).toBeDefined();
    const { doc: ownerDoc, caps } = await createDoc(owner.client);
    cb.sendSubscribe(ownerDoc, caps, CapMode.Read);
    expect(await cb.next((f) => isError(f, 'E_FORBIDDEN'))).toBeDefined();
    cb.send({ type: FrameType.BlobTake, ref: 9, key: 'x' });
    expect(await cb.next((f) => isError(f, 'E_FORBIDDEN'))).toBeDefined();
    cb.send(linkFrame(cb, { link: t.link, cap: b, code: 'mine' }));
    expect(await cb.next((f) => isError(f, 'E_FORBIDDEN'))).toBeDefined();
    // B writing into A's conversation: not subscribed there.
    cb.send({ type: FrameType.Envelope, doc: other, ref: 1, envelope: makeEnvelope({ doc: other, author: b, counter: 1 }) });
    expect(await cb.next((f) => isError(f, 'E_FORBIDDEN'))).toBeDefined();

    // The owner sees both visitors with their key boxes, follows A's conversation and replies.
    const state = await watchLink(owner.client, t);
    expect(state).toMatchObject({ type: FrameType.GuestState, endedAt: 0 });
    expect(state.type === FrameType.GuestState && state.visitors.map((v) => v.key)).toEqual([a.publicKey, b.publicKey]);
    const sub = await owner.client.subscribe(conv.doc, { write: t.cap, read: t.cap }, CapMode.Write);
    expect(sub).toMatchObject({ type: FrameType.Subscribed, head: 2 });
    expect((await owner.client.catchUp(conv.doc)).frames).toHaveLength(2);
    await appendAll(owner.client, owner.device, conv.doc, [1]);
    expect(await ca.nextOf(FrameType.Entry, conv.doc)).toMatchObject({ seq: 3 });
    // A capability other than the link's opens nothing.
    const stranger = await h.member(relay, owner.workspace);
    expect(await stranger.client.subscribe(conv.doc, { write: testKey(), read: testKey() }, CapMode.Read)).toMatchObject({ code: 'E_AUTH_FAILED' });
  });

  it('admits a returning visitor by its key without the code, and no more visitors than the link allows', async () => {
    const relay = await h.start({ limits });
    const owner = await h.member(relay);
    const t = await registerLink(owner.client, { maxVisitors: 1 });
    const a = testKey();
    expect((await guestHello(await h.connect(relay), t, a, t.code)).type).toBe(FrameType.Welcome);
    expect((await guestHello(await h.connect(relay), t, a, '', new Uint8Array(0))).type).toBe(FrameType.Welcome);
    expect(await guestHello(await h.connect(relay), t, testKey(), t.code)).toMatchObject({ code: 'E_GUEST_LIMIT' });
  });

  it('refuses a visitor flood past its per-minute limit before the store, while the owner keeps syncing', async () => {
    const relay = await h.start({ limits });
    const owner = await h.member(relay);
    const t = await registerLink(owner.client, { visitorPerMinute: 20 });
    const v = testKey();
    const c = await h.connect(relay);
    await guestHello(c, t, v, t.code);
    const { doc } = await followConversation(c, t, v);
    const { doc: ownerDoc } = await createDoc(owner.client);
    for (let i = 1; i <= 1000; i++) c.send({ type: FrameType.Envelope, doc, ref: i, envelope: makeEnvelope({ doc, author: v, counter: i }) });
    // The owner's own appends go through during the flood.
    expect(await appendAll(owner.client, owner.device, ownerDoc, range(1, 5))).toHaveLength(5);
    // Every message is answered: 20 stored, the rest refused by the guest limit (or, in a burst past
    // the connection's frame bucket, by that), each with a wait.
    await c.next((f) => 'ref' in f && f.ref === 1000);
    const acks = c.received.filter((f) => f.type === FrameType.Ack);
    const refused = c.received.filter((f): f is ErrorFrame => isError(f, 'E_GUEST_LIMIT') || isError(f, 'E_RATE_LIMITED'));
    expect(acks.length).toBe(20);
    expect(acks.length + refused.length).toBe(1000);
    expect(refused.filter((f) => f.code === 'E_GUEST_LIMIT').length).toBeGreaterThan(0);
    expect(refused.every((f) => f.retryAfterMs > 0)).toBe(true);
    expect(await relay.store.head(doc)).toBe(20);
  });

  it('refuses a flood of 1,000 messages in a minute after the per-visitor limit, each refusal with its wait, while the owner appends', async () => {
    const clock = manualClock();
    const relay = await h.start({ clock, limits });
    const owner = await h.member(relay);
    const t = await registerLink(owner.client, { visitorPerMinute: 10, linkPerMinute: 100 });
    const v = testKey();
    const c = await h.connect(relay);
    await guestHello(c, t, v, t.code);
    const { doc } = await followConversation(c, t, v);
    const { doc: ownerDoc } = await createDoc(owner.client);
    const answers: Frame[] = [];
    let ownerAcks = 0;
    for (let i = 1; i <= 1000; i++) {
      c.send({ type: FrameType.Envelope, doc, ref: i, envelope: makeEnvelope({ doc, author: v, counter: i }) });
      answers.push(await c.next((f) => 'ref' in f && f.ref === i));
      // The owner's own appends, every 100 flood messages, all go through.
      if (i % 100 === 0) ownerAcks += (await appendAll(owner.client, owner.device, ownerDoc, [i / 100])).length;
      clock.advance(60); // 1,000 messages over 60 s
    }
    const stored = answers.filter((f) => f.type === FrameType.Ack).length;
    const refused = answers.filter((f): f is ErrorFrame => isError(f, 'E_GUEST_LIMIT'));
    // 10 at once (the bucket), then one every 6 s as it refills: at most 20 in the minute.
    expect(stored).toBeGreaterThanOrEqual(10);
    expect(stored).toBeLessThanOrEqual(20);
    expect(refused.length).toBe(1000 - stored);
    expect(refused.every((f) => f.retryAfterMs > 0 && f.retryAfterMs <= 6000)).toBe(true);
    // The first refusal comes right after the burst: nothing past the limit reached the store.
    expect(answers.slice(0, 10).every((f) => f.type === FrameType.Ack)).toBe(true);
    expect(answers[10]).toMatchObject({ type: FrameType.Error, code: 'E_GUEST_LIMIT' });
    expect(await relay.store.head(doc)).toBe(stored);
    expect(ownerAcks).toBe(10);
  });

  it('ends one visitor (closed and refused from then on), then the whole link', async () => {
    const relay = await h.start({ limits });
    const owner = await h.member(relay);
    const t = await registerLink(owner.client);
    const a = testKey();
    const b = testKey();
    const ca = await h.connect(relay);
    const cb = await h.connect(relay);
    await guestHello(ca, t, a, t.code);
    await guestHello(cb, t, b, t.code);
    const watcher = await h.member(relay, owner.workspace);
    await watchLink(watcher.client, t);
    // Only the capKey may end: a member's own key is refused.
    expect(await endGuest(owner.client, t, a, owner.device)).toMatchObject({ code: 'E_AUTH_FAILED' });
    expect(await endGuest(owner.client, t, a)).toMatchObject({ type: FrameType.GuestState });
    expect(await ca.nextError('E_GUEST_ENDED')).toMatchObject({ fatal: true });
    const pushed = await watcher.client.next((f) => f.type === FrameType.GuestState && f.ref === 0);
    expect(pushed.type === FrameType.GuestState && pushed.visitors.find((v) => v.endedAt !== 0)?.key).toEqual(a.publicKey);
    expect(await guestHello(await h.connect(relay), t, a, t.code)).toMatchObject({ code: 'E_GUEST_ENDED' });
    expect(cb.isOpen).toBe(true);
    expect(await endGuest(owner.client, t)).toMatchObject({ type: FrameType.GuestState });
    expect(await cb.nextError('E_GUEST_ENDED')).toBeDefined();
    expect(await guestHello(await h.connect(relay), t, testKey(), t.code)).toMatchObject({ code: 'E_GUEST_ENDED' });
    // An ended link cannot be registered again.
    owner.client.send(linkFrame(owner.client, t));
    expect(await owner.client.nextError('E_GUEST_ENDED')).toBeDefined();
  });

  it('keeps a link to its capKey, its members and its terms', async () => {
    const relay = await h.start({ limits });
    const owner = await h.member(relay);
    const t = await registerLink(owner.client);
    owner.client.send(linkFrame(owner.client, { ...t, cap: testKey() }));
    expect(await owner.client.nextError('E_FORBIDDEN')).toBeDefined();
    owner.client.send({ ...linkFrame(owner.client, t), maxVisitors: 99 });
    expect(await owner.client.nextError('E_AUTH_FAILED')).toBeDefined();
    const other = await h.member(relay);
    expect(await watchLink(other.client, t)).toMatchObject({ code: 'E_BAD_INPUT' });
    const outsider = await h.connect(relay);
    await outsider.hello(testKey(), owner.workspace);
    outsider.send(linkFrame(outsider, { ...t, link: t.link }));
    expect(await outsider.nextError('E_NOT_MEMBER')).toBeDefined();
  });

  it('refuses visitors of an expired link', async () => {
    const clock = manualClock();
    const relay = await h.start({ clock, limits: { ...limits, pingIntervalMs: 3_600_000 } });
    const owner = await h.member(relay);
    const t = await registerLink(owner.client, { expiresAt: clock.now() + 60_000 });
    const v = testKey();
    const c = await h.connect(relay);
    expect((await guestHello(c, t, v, t.code)).type).toBe(FrameType.Welcome);
    const { doc } = await followConversation(c, t, v);
    clock.advance(60_000);
    c.send({ type: FrameType.Envelope, doc, ref: 1, envelope: makeEnvelope({ doc, author: v, counter: 1 }) });
    expect(await c.nextError('E_GUEST_ENDED')).toBeDefined();
    expect(await guestHello(await h.connect(relay), t, v, t.code)).toMatchObject({ code: 'E_GUEST_ENDED' });
  });

  it('counts visitors under their link, so they cannot fill the owner\'s connection cap', async () => {
    const relay = await h.start({ limits: { ...limits, maxConnectionsPerWorkspace: 3 } });
    const owner = await h.member(relay);
    const t = await registerLink(owner.client, { maxVisitors: 10 });
    for (let i = 0; i < 3; i++) expect((await guestHello(await h.connect(relay), t, testKey(), t.code)).type).toBe(FrameType.Welcome);
    expect(await guestHello(await h.connect(relay), t, testKey(), t.code)).toMatchObject({ code: 'E_TOO_MANY_CONNECTIONS' });
    expect((await h.member(relay, owner.workspace)).client.isOpen).toBe(true);
  });

  it('tells visitors whether a runner answering the link is connected; a view of the link or a visitor does not count', async () => {
    const relay = await h.start({ limits });
    const owner = await h.member(relay);
    const t = await registerLink(owner.client);
    const presence = (c: typeof owner.client) => c.next((f) => f.type === FrameType.GuestPresence && f.link === t.link);
    const a = testKey();
    const ca = await h.connect(relay);
    expect((await guestHello(ca, t, a, t.code)).type).toBe(FrameType.Welcome);
    expect(await presence(ca)).toMatchObject({ answering: false });
    // A visitor cannot announce itself as a runner of the link.
    const r = 77;
    ca.send({ type: FrameType.GuestWatch, ref: r, link: t.link, proof: a.sign(new Uint8Array(8)), answering: true });
    expect(await ca.next((f) => isError(f, 'E_FORBIDDEN'))).toBeDefined();
    // The Guests page watches without answering: still away.
    expect((await watchLink(owner.client, t)).type).toBe(FrameType.GuestState);
    const runner = await h.member(relay, owner.workspace);
    expect((await watchLink(runner.client, t, true)).type).toBe(FrameType.GuestState);
    expect(await presence(ca)).toMatchObject({ answering: true });
    // A visitor admitted now hears it on admission.
    const b = testKey();
    const cb = await h.connect(relay);
    expect((await guestHello(cb, t, b, t.code)).type).toBe(FrameType.Welcome);
    expect(await presence(cb)).toMatchObject({ answering: true });
    // The runner goes: away again, though the view is still connected.
    await runner.client.close();
    expect(await presence(ca)).toMatchObject({ answering: false });
    expect(await presence(cb)).toMatchObject({ answering: false });
  });
});
