/** Integration: appending envelopes, ack after commit, dedupe of resends, fan-out, and refusals. */
import { afterEach, describe, expect, it } from 'vitest';
import { EnvelopeKind } from '@tendril/crdt-schema/header';
import { newDocId } from '@tendril/crdt-schema/ids';
import { CapMode, FrameType, type EntryFrame } from '@tendril/crdt-schema/wire';
import { createMemoryStore } from '../store/memory.ts';
import { relayHarness } from '../testing/harness.ts';
import { testKey } from '../testing/keys.ts';
import { makeEnvelope } from '../testing/envelopes.ts';
import { appendAll, barrier, createDoc, follow, range } from '../testing/docs.ts';
import { gatedStore } from '../testing/store-wrappers.ts';
import { waitFor } from '../testing/wait.ts';

const h = relayHarness();
afterEach(() => h.cleanup());

describe('relay append', () => {
  it('acknowledges an envelope only after the store committed it', async () => {
    const gate = gatedStore(createMemoryStore());
    const relay = await h.start({ store: gate.store });
    const m = await h.member(relay);
    const { doc } = await createDoc(m.client);
    const envelope = makeEnvelope({ doc, author: m.device, counter: 1 });
    m.client.send({ type: FrameType.Envelope, doc, ref: 1, envelope });
    await waitFor(() => gate.waiting === 1, 'the append to reach the store');
    await barrier(m.client); // frames after the envelope are answered while its commit is held
    expect(m.client.inbox.filter((f) => f.type === FrameType.Ack)).toEqual([]);
    gate.open();
    expect(await m.client.nextOf(FrameType.Ack, doc)).toEqual({ type: FrameType.Ack, doc, ref: 1, seq: 1 });
    expect((await relay.store.readSince(doc, 0, 10))[0]?.envelope).toEqual(envelope);
  });

  it('stores version 1 and version 2 (chained) envelopes alike, and checks the signature of both', async () => {
    const relay = await h.start();
    const m = await h.member(relay);
    const { doc } = await createDoc(m.client);
    const v1 = makeEnvelope({ doc, author: m.device, counter: 1 });
    const v2 = makeEnvelope({ doc, author: m.device, counter: 2, prev: new Uint8Array(16).fill(9) });
    expect(v1[1]).toBe(1);
    expect(v2[1]).toBe(2);
    m.client.send({ type: FrameType.Envelope, doc, ref: 1, envelope: v1 });
    expect(await m.client.nextOf(FrameType.Ack, doc)).toMatchObject({ ref: 1, seq: 1 });
    m.client.send({ type: FrameType.Envelope, doc, ref: 2, envelope: v2 });
    expect(await m.client.nextOf(FrameType.Ack, doc)).toMatchObject({ ref: 2, seq: 2 });
    expect((await relay.store.readSince(doc, 0, 10)).map((e) => e.envelope)).toEqual([v1, v2]);
    const forged = makeEnvelope({ doc, author: m.device, counter: 3, prev: new Uint8Array(16), badSignature: true });
    m.client.send({ type: FrameType.Envelope, doc, ref: 3, envelope: forged });
    expect(await m.client.nextError('E_AUTH_FAILED')).toMatchObject({ doc, ref: 3 });
  });

  it('answers a resent envelope with its original seq, stores it once and fans it out once', async () => {
    const relay = await h.start();
    const m = await h.member(relay);
    const { doc, caps } = await createDoc(m.client);
    const watcher = await h.member(relay, m.workspace);
    await follow(watcher.client, doc, caps, CapMode.Read);
    const envelope = makeEnvelope({ doc, author: m.device, counter: 1 });
    m.client.send({ type: FrameType.Envelope, doc, ref: 1, envelope });
    expect(await m.client.nextOf(FrameType.Ack, doc)).toMatchObject({ ref: 1, seq: 1 });
    m.client.send({ type: FrameType.Envelope, doc, ref: 2, envelope });
    expect(await m.client.nextOf(FrameType.Ack, doc)).toMatchObject({ ref: 2, seq: 1 });
    expect(await relay.store.head(doc)).toBe(1);
    await barrier(watcher.client);
    expect(watcher.client.inbox.filter((f) => f.type === FrameType.Entry).map((f) => (f as EntryFrame).seq)).toEqual([1]);
  });

  it('refuses other bytes under a stored author counter with E_COUNTER_CONFLICT, without an Ack, storing or fanning out', async () => {
    const relay = await h.start();
    const m = await h.member(relay);
    const { doc, caps } = await createDoc(m.client);
    const watcher = await h.member(relay, m.workspace);
    await follow(watcher.client, doc, caps, CapMode.Read);
    const first = makeEnvelope({ doc, author: m.device, counter: 1 });
    m.client.send({ type: FrameType.Envelope, doc, ref: 1, envelope: first });
    expect(await m.client.nextOf(FrameType.Ack, doc)).toMatchObject({ ref: 1, seq: 1 });
    const second = makeEnvelope({ doc, author: m.device, counter: 1 });
    m.client.send({ type: FrameType.Envelope, doc, ref: 2, envelope: second });
    expect(await m.client.nextError('E_COUNTER_CONFLICT')).toMatchObject({ doc, ref: 2 });
    await barrier(m.client);
    expect(m.client.inbox.filter((f) => f.type === FrameType.Ack && f.ref === 2)).toEqual([]);
    expect((await relay.store.readSince(doc, 0, 10)).map((e) => e.envelope)).toEqual([first]);
    await barrier(watcher.client);
    expect(watcher.client.inbox.filter((f) => f.type === FrameType.Entry).map((f) => (f as EntryFrame).seq)).toEqual([1]);
  });

  it('fans an entry out to the other subscribers but not back to its author', async () => {
    const relay = await h.start();
    const m = await h.member(relay);
    const { doc, caps } = await createDoc(m.client);
    const readers = [await h.member(relay, m.workspace), await h.member(relay, m.workspace)];
    for (const r of readers) await follow(r.client, doc, caps, CapMode.Read);
    const [ack] = await appendAll(m.client, m.device, doc, [1]);
    for (const r of readers) expect(await r.client.nextOf(FrameType.Entry, doc)).toMatchObject({ seq: ack!.seq });
    await barrier(m.client);
    expect(m.client.inbox.filter((f) => f.type === FrameType.Entry)).toEqual([]);
  });

  it('refuses envelopes that do not parse, name another document, or are snapshots', async () => {
    const relay = await h.start();
    const m = await h.member(relay);
    const { doc } = await createDoc(m.client);
    const cases = [
      new Uint8Array([1, 2, 3]),
      makeEnvelope({ doc: newDocId(), author: m.device, counter: 1 }),
      makeEnvelope({ doc, author: m.device, counter: 1, kind: EnvelopeKind.Snapshot }),
    ];
    for (const [i, envelope] of cases.entries()) {
      m.client.send({ type: FrameType.Envelope, doc, ref: 10 + i, envelope });
      expect(await m.client.nextError('E_FRAME_MALFORMED')).toMatchObject({ doc, ref: 10 + i, fatal: false });
    }
    expect(m.client.isOpen).toBe(true);
    expect(await relay.store.head(doc)).toBe(0);
  });

  it('refuses an envelope authored by another device (E_FORBIDDEN) or with a bad signature (E_AUTH_FAILED)', async () => {
    const relay = await h.start();
    const m = await h.member(relay);
    const { doc } = await createDoc(m.client);
    m.client.send({ type: FrameType.Envelope, doc, ref: 1, envelope: makeEnvelope({ doc, author: testKey(), counter: 1 }) });
    expect(await m.client.nextError('E_FORBIDDEN')).toMatchObject({ doc, ref: 1 });
    m.client.send({ type: FrameType.Envelope, doc, ref: 2, envelope: makeEnvelope({ doc, author: m.device, counter: 1, badSignature: true }) });
    expect(await m.client.nextError('E_AUTH_FAILED')).toMatchObject({ doc, ref: 2 });
    expect(await relay.store.head(doc)).toBe(0);
  });

  it('refuses an envelope for a document the connection has not subscribed', async () => {
    const relay = await h.start();
    const m = await h.member(relay);
    const { doc } = await createDoc(m.client);
    const other = await h.member(relay, m.workspace);
    other.client.send({ type: FrameType.Envelope, doc, ref: 5, envelope: makeEnvelope({ doc, author: other.device, counter: 1 }) });
    expect(await other.client.nextError('E_FORBIDDEN')).toMatchObject({ doc, ref: 5 });
  });

  it('assigns one seq per entry across concurrent writers', async () => {
    const relay = await h.start();
    const a = await h.member(relay);
    const { doc, caps } = await createDoc(a.client);
    const b = await h.member(relay, a.workspace);
    await follow(b.client, doc, caps, CapMode.Write);
    const [acksA, acksB] = await Promise.all([appendAll(a.client, a.device, doc, range(1, 50)), appendAll(b.client, b.device, doc, range(1, 50))]);
    const seqs = [...acksA!, ...acksB!].map((x) => x.seq).sort((x, y) => x - y);
    expect(seqs).toEqual(range(1, 100));
  });
});
