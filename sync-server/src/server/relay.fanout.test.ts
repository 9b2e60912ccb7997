/**
 * Integration: two relays on one store, joined by a fan-out, serve one
 * workspace as one relay would: devices on either converge, a device that
 * moves from one relay to the other mid-session loses nothing and sees
 * nothing twice, presence and streams cross, and a revocation or a
 * capability change through one relay takes effect on the other at once.
 * Runs on a memory store with the in-process bus, and on a real
 * redis-server with the Redis store and pub/sub fan-out. Then what lost
 * notices leave open: an entry whose notice never came is delivered by the
 * next notice or by the head check, an append whose reply was lost reaches
 * subscribers when its resend comes back as a duplicate, and a bus that
 * comes back after losing messages makes the relays re-read the store.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DocId, WorkspaceId } from '@tendril/crdt-schema/ids';
import { CapMode, FrameType, revokeBytes, setCapsBytes, type Frame } from '@tendril/crdt-schema/wire';
import { createMemoryStore } from '../store/memory.ts';
import { openRedisStore } from '../store/redis.ts';
import type { RelayStore } from '../store/types.ts';
import { createMemoryFanoutBus } from '../fanout/memory.ts';
import { openRedisFanout } from '../fanout/redis.ts';
import type { Fanout } from '../fanout/types.ts';
import type { RelayLimits } from './config.ts';
import { relayHarness, type TestRelay } from '../testing/harness.ts';
import { testCaps, testKey, type TestKey } from '../testing/keys.ts';
import { makeEnvelope } from '../testing/envelopes.ts';
import { appendAll, barrier, createDoc, follow, range } from '../testing/docs.ts';
import type { TestClient } from '../testing/test-client.ts';
import { lostReplyStore } from '../testing/store-wrappers.ts';
import { startRedis, type TestRedis } from '../testing/redis-server.ts';
import { waitFor } from '../testing/wait.ts';

const h = relayHarness();
afterEach(() => h.cleanup());

let redis: TestRedis | undefined;
beforeAll(async () => {
  redis = await startRedis();
}, 30_000);
afterAll(() => redis?.cleanup());

interface Pair {
  readonly a: TestRelay;
  readonly b: TestRelay;
  /** The store both relays use, for writes that bypass them (an append whose notice is lost). */
  readonly store: RelayStore;
}

type Backend = (limits?: Partial<RelayLimits>) => Promise<Pair>;

const BACKENDS: Array<[string, Backend]> = [
  [
    'memory store, in-process bus',
    async (limits) => {
      const store = createMemoryStore();
      const bus = createMemoryFanoutBus();
      const a = await h.start({ store, fanout: bus.join(), closeStore: false, limits });
      const b = await h.start({ store, fanout: bus.join(), closeStore: false, limits });
      return { a, b, store };
    },
  ],
  [
    'Redis store, Redis pub/sub',
    async (limits) => {
      const prefix = `t${randomBytes(6).toString('hex')}`;
      const url = redis!.url;
      const relay = async (): Promise<TestRelay> => {
        const fanout: Fanout = await openRedisFanout({ url, prefix });
        return h.start({ store: await openRedisStore({ url, prefix }), fanout, limits });
      };
      const a = await relay();
      const b = await relay();
      return { a, b, store: a.store };
    },
  ],
];

/** Entry seqs `client` received for `doc`, in arrival order, and the seqs its own appends were acknowledged at. */
function seen(client: TestClient, doc: DocId): { entries: number[]; acks: number[] } {
  const entries: number[] = [];
  const acks: number[] = [];
  for (const f of client.received) {
    if (f.type === FrameType.Entry && f.doc === doc) entries.push(f.seq);
    if (f.type === FrameType.Ack && f.doc === doc) acks.push(f.seq);
  }
  return { entries, acks };
}

/** Waits until `client` has every seq 1..n as an entry or an ack. */
async function sawAll(client: TestClient, doc: DocId, n: number): Promise<void> {
  await waitFor(() => {
    const s = seen(client, doc);
    const all = new Set([...s.entries, ...s.acks]);
    return range(1, n).every((q) => all.has(q));
  }, `seqs 1..${n}`);
}

const increasing = (xs: number[]): boolean => xs.every((x, i) => i === 0 || x > xs[i - 1]!);

function revocation(admin: TestKey, workspace: WorkspaceId, device: TestKey): Frame {
  const at = 1_700_000_000_000;
  return { type: FrameType.Revoke, workspace, device: device.id, at, admin: admin.id, signature: admin.sign(revokeBytes(workspace, device.id, at)) };
}

describe.each(BACKENDS)('relays sharing a store (%s)', (_name, pair) => {
  it('devices on relay A and relay B writing at once converge, each seeing every entry once, in seq order', async () => {
    const { a, b } = await pair();
    const ma = await h.member(a);
    const mb = await h.member(b, ma.workspace);
    const { doc, caps } = await createDoc(ma.client);
    await follow(mb.client, doc, caps, CapMode.Write);
    const n = 40;
    for (let counter = 1; counter <= n; counter++) {
      ma.client.send({ type: FrameType.Envelope, doc, ref: counter, envelope: makeEnvelope({ doc, author: ma.device, counter }) });
      mb.client.send({ type: FrameType.Envelope, doc, ref: counter, envelope: makeEnvelope({ doc, author: mb.device, counter }) });
    }
    await sawAll(ma.client, doc, 2 * n);
    await sawAll(mb.client, doc, 2 * n);
    for (const c of [ma.client, mb.client]) {
      const s = seen(c, doc);
      expect(increasing(s.entries), `entries in seq order: ${s.entries.join(',')}`).toBe(true);
      expect(s.acks).toHaveLength(n);
      expect(s.entries.length + s.acks.length, `nothing twice: ${s.entries.join(',')} / ${s.acks.join(',')}`).toBe(2 * n);
    }
    // A device that comes later, on either relay, reads the same log.
    const late = await h.member(b, ma.workspace);
    const log = await follow(late.client, doc, caps, CapMode.Read);
    expect(log.frames.map((f) => (f.type === FrameType.Entry ? f.seq : 0))).toEqual(range(1, 2 * n));
  });

  it('a device that moves from relay A to relay B mid-burst loses nothing and sees nothing twice', async () => {
    const { a, b } = await pair();
    const writer = await h.member(a);
    const { doc, caps } = await createDoc(writer.client);
    const device = testKey();
    const first = await h.member(a, writer.workspace, device);
    await follow(first.client, doc, caps, CapMode.Read);
    await appendAll(writer.client, writer.device, doc, range(1, 10));
    await waitFor(() => seen(first.client, doc).entries.length === 10, 'ten entries on A');
    const n = 60;
    const send = (counters: number[]): void => {
      for (const counter of counters) {
        writer.client.send({ type: FrameType.Envelope, doc, ref: counter, envelope: makeEnvelope({ doc, author: writer.device, counter }) });
      }
    };
    send(range(11, 30));
    await first.client.close();
    send(range(31, n));
    const onA = seen(first.client, doc).entries;
    const cursor = onA[onA.length - 1]!;
    const second = await h.member(b, writer.workspace, device);
    await follow(second.client, doc, caps, CapMode.Read, cursor);
    await waitFor(() => seen(second.client, doc).entries.includes(n), `seq ${n} on B`).catch((e: unknown) => {
      throw new Error(`${String(e)}; A ${onA.join(',')}; B ${seen(second.client, doc).entries.join(',')}; writer ${seen(writer.client, doc).acks.join(',')} ${JSON.stringify(writer.client.received.filter((f) => f.type === FrameType.Error))}`);
    });
    const onB = seen(second.client, doc).entries;
    expect(onA).toEqual(range(1, cursor));
    expect(onB).toEqual(range(cursor + 1, n));
  });

  it('forwards presence and streams to subscribers on the other relay (a stream with `to` only to that device)', async () => {
    const { a, b } = await pair();
    const ma = await h.member(a);
    const { doc, caps } = await createDoc(ma.client);
    const target = await h.member(b, ma.workspace);
    const other = await h.member(b, ma.workspace);
    await follow(target.client, doc, caps, CapMode.Read);
    await follow(other.client, doc, caps, CapMode.Read);
    const payload = Uint8Array.of(1, 2, 3);
    ma.client.send({ type: FrameType.Presence, doc, from: testKey().id, payload });
    for (const c of [target.client, other.client]) {
      expect(await c.nextOf(FrameType.Presence, doc)).toEqual({ type: FrameType.Presence, doc, from: ma.device.id, payload });
    }
    ma.client.send({ type: FrameType.Stream, doc, from: testKey().id, to: target.device.id, payload });
    expect(await target.client.nextOf(FrameType.Stream, doc)).toMatchObject({ from: ma.device.id, to: target.device.id, payload });
    // Presence from the other device after the stream: once it arrived, the stream would have too.
    other.client.send({ type: FrameType.Presence, doc, from: testKey().id, payload });
    await ma.client.nextOf(FrameType.Presence, doc);
    await barrier(other.client);
    expect(other.client.received.filter((f) => f.type === FrameType.Stream)).toEqual([]);
  });

  it('a revocation sent through relay A closes the revoked device on relay B at once', async () => {
    const { a, b } = await pair();
    const admin = await h.member(a);
    const victim = testKey();
    const onB = await h.member(b, admin.workspace, victim);
    const bystander = await h.member(b, admin.workspace);
    admin.client.send(revocation(admin.device, admin.workspace, victim));
    expect(await onB.client.nextError('E_REVOKED', 5_000)).toMatchObject({ fatal: true });
    await onB.client.closed;
    expect(bystander.client.isOpen).toBe(true);
    const again = await h.connect(b);
    expect(await again.hello(victim, admin.workspace)).toMatchObject({ code: 'E_REVOKED' });
  });

  it('a capability change through relay A ends subscriptions with the old keys on relay B', async () => {
    const { a, b } = await pair();
    const owner = await h.member(a);
    const { doc, caps } = await createDoc(owner.client);
    const reader = await h.member(b, owner.workspace);
    await follow(reader.client, doc, caps, CapMode.Read);
    const next = testCaps();
    const change = { workspace: owner.workspace, doc, writeKey: next.write.publicKey, readKey: next.read.publicKey, readers: [] };
    const proof = owner.device.sign(setCapsBytes(owner.client.challenge.nonce, change));
    owner.client.send({ type: FrameType.SetCaps, doc, ref: 1, writeKey: change.writeKey, readKey: change.readKey, readers: [], admin: owner.device.id, proof });
    expect(await reader.client.nextError('E_CAPS_CHANGED', 5_000)).toMatchObject({ doc });
  });

  it('an entry whose notice was lost reaches the other relay\'s subscribers with the next notice, in order', async () => {
    // No head check during the test: only the next notice can deliver the lost entry.
    const { a, b, store } = await pair({ headCheckIntervalMs: 3_600_000 });
    const writer = await h.member(a);
    const { doc, caps } = await createDoc(writer.client);
    const reader = await h.member(b, writer.workspace);
    await follow(reader.client, doc, caps, CapMode.Read);
    await appendAll(writer.client, writer.device, doc, [1]);
    await waitFor(() => seen(reader.client, doc).entries.length === 1, 'entry 1');
    // Stored through no relay: as if its relay's notice never arrived.
    const silent = testKey();
    expect(await store.append(doc, { author: silent.publicKey, counter: 1, envelope: makeEnvelope({ doc, author: silent, counter: 1 }) })).toEqual({ seq: 2, status: 'appended' });
    await appendAll(writer.client, writer.device, doc, [2]);
    await waitFor(() => seen(reader.client, doc).entries.length === 3, 'entries 2 and 3');
    expect(seen(reader.client, doc).entries).toEqual([1, 2, 3]);
  });

  it('the head check delivers an entry whose notice was lost on a document that stays idle', async () => {
    const { b, store } = await pair({ headCheckIntervalMs: 50 });
    const reader = await h.member(b);
    const { doc } = await createDoc(reader.client);
    const silent = testKey();
    await store.append(doc, { author: silent.publicKey, counter: 1, envelope: makeEnvelope({ doc, author: silent, counter: 1 }) });
    expect(await reader.client.nextOf(FrameType.Entry, doc)).toMatchObject({ seq: 1 });
  });
});

describe('an append whose reply was lost', () => {
  it('reaches the subscribers when its resend is acknowledged as a duplicate', async () => {
    const lossy = lostReplyStore(createMemoryStore());
    const relay = await h.start({ store: lossy.store });
    const writer = await h.member(relay);
    const { doc, caps } = await createDoc(writer.client);
    const reader = await h.member(relay, writer.workspace);
    await follow(reader.client, doc, caps, CapMode.Read);
    const envelope = makeEnvelope({ doc, author: writer.device, counter: 1 });
    lossy.loseNextReply();
    writer.client.send({ type: FrameType.Envelope, doc, ref: 1, envelope });
    expect(await writer.client.nextError('E_STORE_FAILED')).toMatchObject({ ref: 1 });
    writer.client.send({ type: FrameType.Envelope, doc, ref: 2, envelope });
    expect(await writer.client.nextOf(FrameType.Ack, doc)).toMatchObject({ ref: 2, seq: 1 });
    expect(await reader.client.nextOf(FrameType.Entry, doc, 5_000)).toMatchObject({ seq: 1, envelope });
  });
});

describe('an entry read from the store while its author\'s connection is appending', () => {
  it('is withheld from that connection only when it is the very append it awaits (other bytes are news to it)', async () => {
    const inner = createMemoryStore();
    let release: (() => void) | undefined;
    let holding = false;
    const gated: RelayStore = {
      ...inner,
      append: async (d, input) => {
        if (holding) await new Promise<void>((resolve) => (release = resolve));
        return inner.append(d, input);
      },
    };
    const bus = createMemoryFanoutBus();
    const a = await h.start({ store: gated, fanout: bus.join(), closeStore: false });
    const b = await h.start({ store: inner, fanout: bus.join(), closeStore: false });
    const x = await h.member(a);
    const { doc, caps } = await createDoc(x.client);
    const w = await h.member(b, x.workspace);
    await follow(w.client, doc, caps, CapMode.Write);
    // Another home of the same device stored counter 1 with other bytes, and its notice was lost.
    const stored = makeEnvelope({ doc, author: x.device, counter: 1 });
    await inner.append(doc, { author: x.device.publicKey, counter: 1, envelope: stored });
    // x appends counter 1 with its own bytes through relay A; the append waits at the gate.
    holding = true;
    x.client.send({ type: FrameType.Envelope, doc, ref: 1, envelope: makeEnvelope({ doc, author: x.device, counter: 1 }) });
    await waitFor(() => release !== undefined, 'the append at the gate');
    // An append through relay B makes relay A read seqs 1 and 2 from the store.
    await appendAll(w.client, w.device, doc, [1]);
    expect(await x.client.nextOf(FrameType.Entry, doc)).toMatchObject({ seq: 1, envelope: stored });
    expect(await x.client.nextOf(FrameType.Entry, doc)).toMatchObject({ seq: 2 });
    release!();
    expect(await x.client.nextError('E_COUNTER_CONFLICT')).toMatchObject({ ref: 1 });
  });
});

describe('a fan-out bus that lost messages', () => {
  it('makes the relays re-read the store when it is back: lost entries and revocations take effect', async () => {
    const store = createMemoryStore();
    const bus = createMemoryFanoutBus();
    // No head check during the test: only the resync can close what the outage left.
    const limits = { headCheckIntervalMs: 3_600_000 };
    const a = await h.start({ store, fanout: bus.join(), closeStore: false, limits });
    const b = await h.start({ store, fanout: bus.join(), closeStore: false, limits });
    const admin = await h.member(a);
    const { doc, caps } = await createDoc(admin.client);
    const reader = await h.member(b, admin.workspace);
    await follow(reader.client, doc, caps, CapMode.Read);
    const victim = testKey();
    const onB = await h.member(b, admin.workspace, victim);

    bus.losing(true);
    await appendAll(admin.client, admin.device, doc, [1, 2]);
    admin.client.send(revocation(admin.device, admin.workspace, victim));
    await waitFor(async () => store.isRevoked(admin.workspace, victim.id), 'the revocation stored');
    await barrier(reader.client);
    await barrier(onB.client);
    expect(seen(reader.client, doc).entries, 'nothing crossed during the outage').toEqual([]);

    bus.losing(false, true);
    await waitFor(() => seen(reader.client, doc).entries.length === 2, 'the lost entries after the resync');
    expect(seen(reader.client, doc).entries).toEqual([1, 2]);
    expect(await onB.client.nextError('E_REVOKED', 5_000)).toMatchObject({ fatal: true });
  });
});

describe('a message on the fan-out bus that the store does not bear out', () => {
  it('closes nobody: a revocation notice is checked against the store first', async () => {
    const store = createMemoryStore();
    const bus = createMemoryFanoutBus();
    const b = await h.start({ store, fanout: bus.join(), closeStore: false });
    const device = await h.member(b);
    const forger = bus.join();
    await forger.start({ message: () => undefined, resync: () => undefined });
    forger.publish({ kind: 'revoked', workspace: device.workspace, device: device.device.id });
    // A real revocation of another device after it: once that one is cut, the forged one was handled.
    const other = testKey();
    const cut = await h.member(b, device.workspace, other);
    await store.revokeDevice(device.workspace, other.id, 1);
    forger.publish({ kind: 'revoked', workspace: device.workspace, device: other.id });
    await cut.client.nextError('E_REVOKED');
    await barrier(device.client);
    expect(device.client.isOpen).toBe(true);
  });
});
