/**
 * Two relay processes on one Redis, as behind a load balancer: one is killed
 * with SIGKILL during a burst of writes through both; its devices reconnect
 * to the other and resend what was not acknowledged. Every acknowledged
 * entry is in the log with the bytes that were sent, every entry is there
 * once, and the readers on both sides end with the same log, each having
 * seen every seq once. A relay started afterwards hears the survivor's
 * appends live. Each process reports its own fan-out in /metrics.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { newWorkspaceId, type DocId, type WorkspaceId } from '@tendril/crdt-schema/ids';
import { CapMode, FrameType } from '@tendril/crdt-schema/wire';
import { testKey, type TestCaps, type TestKey } from './testing/keys.ts';
import { makeEnvelope } from './testing/envelopes.ts';
import { createDoc, follow, range } from './testing/docs.ts';
import { TestClient } from './testing/test-client.ts';
import { spawnRelay, type RelayProcess } from './testing/spawn-relay.ts';
import { openRedisStore } from './store/redis.ts';
import { startRedis, type TestRedis } from './testing/redis-server.ts';
import { tempDirs } from './testing/temp-dir.ts';
import { waitFor } from './testing/wait.ts';

const dirs = tempDirs();
const running: RelayProcess[] = [];
const clients: TestClient[] = [];
let redis: TestRedis | undefined;
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(running.splice(0).map((r) => r.child.stop()));
  await redis?.cleanup();
});
afterAll(() => dirs.cleanup());

async function relay(url: string): Promise<RelayProcess> {
  const r = await spawnRelay(dirs.make(), ['--redis', url]);
  running.push(r);
  return r;
}

async function connect(url: string, device: TestKey, workspace: WorkspaceId, register = false): Promise<TestClient> {
  const client = await TestClient.connect(url);
  clients.push(client);
  const answer = await client.hello(device, workspace, register ? { register: [device.publicKey] } : {});
  if (answer.type !== FrameType.Welcome) throw new Error(`hello refused: ${answer.code}`);
  return client;
}

/** A writing device as a sync client keeps it: every envelope it made, and the seq of those acknowledged. */
class Writer {
  readonly sent = new Map<number, Uint8Array>();
  readonly acked = new Map<number, number>();
  constructor(
    readonly device: TestKey,
    readonly doc: DocId,
    public client: TestClient,
  ) {
    this.listen();
  }
  listen(): void {
    const seen = this.client.received.length;
    const scan = (): void => {
      for (const f of this.client.received.slice(seen)) if (f.type === FrameType.Ack && f.doc === this.doc) this.acked.set(f.ref, f.seq);
    };
    this.client.ws.on('message', () => setImmediate(scan));
  }
  send(counters: number[]): void {
    for (const counter of counters) {
      const envelope = this.sent.get(counter) ?? makeEnvelope({ doc: this.doc, author: this.device, counter });
      this.sent.set(counter, envelope);
      if (this.client.isOpen) this.client.send({ type: FrameType.Envelope, doc: this.doc, ref: counter, envelope });
    }
  }
  /** On a new connection, resends everything not acknowledged (the outbox). */
  async moveTo(client: TestClient, caps: TestCaps): Promise<void> {
    this.client = client;
    this.listen();
    await follow(client, this.doc, caps, CapMode.Write);
    this.send([...this.sent.keys()].filter((c) => !this.acked.has(c)));
  }
}

/** A reading device: the entry seqs it was given, across its connections. */
function entriesOf(clients: TestClient[], doc: DocId): number[] {
  return clients.flatMap((c) => c.received.flatMap((f) => (f.type === FrameType.Entry && f.doc === doc ? [f.seq] : [])));
}

describe('two relay processes on one Redis', () => {
  it('lose no acknowledged entry when one is killed mid-burst; devices move to the other and converge', async () => {
    redis = await startRedis();
    const [p1, p2] = [await relay(redis.url), await relay(redis.url)];
    const workspace = newWorkspaceId();
    const admin = testKey();
    const adminClient = await connect(p1.url, admin, workspace, true);
    const { doc, caps } = await createDoc(adminClient);
    // The other devices are enrolled in the store directly, as an admin's Enrol would.
    const [d1, d2, r1, r2] = [testKey(), testKey(), testKey(), testKey()];
    const store = await openRedisStore({ url: redis.url });
    for (const d of [d1, d2, r1, r2]) await store.enrolDevice(workspace, d.publicKey);
    await store.close();

    const w1 = new Writer(d1, doc, await connect(p1.url, d1, workspace));
    await follow(w1.client, doc, caps, CapMode.Write);
    const w2 = new Writer(d2, doc, await connect(p2.url, d2, workspace));
    await follow(w2.client, doc, caps, CapMode.Write);
    const readerOn1 = [await connect(p1.url, r1, workspace)];
    await follow(readerOn1[0]!, doc, caps, CapMode.Read);
    const readerOn2 = await connect(p2.url, r2, workspace);
    await follow(readerOn2, doc, caps, CapMode.Read);

    const n = 150;
    w1.send(range(1, n));
    w2.send(range(1, n));
    await waitFor(() => w1.acked.size >= 10, 'some acks from relay 1');
    await p1.child.stop('SIGKILL');
    await w1.client.closed;
    await readerOn1[0]!.closed;

    // The devices of the dead relay reconnect to the other one.
    await w1.moveTo(await connect(p2.url, d1, workspace), caps);
    const seenBefore = entriesOf(readerOn1, doc);
    const cursor = seenBefore.length === 0 ? 0 : seenBefore[seenBefore.length - 1]!;
    readerOn1.push(await connect(p2.url, r1, workspace));
    readerOn1[1]!.sendSubscribe(doc, caps, CapMode.Read, cursor);

    await waitFor(() => w1.acked.size === n && w2.acked.size === n, 'every envelope acknowledged', 30_000);
    const total = 2 * n;
    await waitFor(() => entriesOf(readerOn1, doc).length >= total && entriesOf([readerOn2], doc).length >= total, 'both readers at the head', 30_000);

    // Each reader saw every seq once, in order.
    expect(entriesOf(readerOn1, doc)).toEqual(range(1, total));
    expect(entriesOf([readerOn2], doc)).toEqual(range(1, total));
    // The log holds every acknowledged envelope at its acknowledged seq, with the bytes sent.
    const check = await connect(p2.url, r2, workspace);
    const log = await follow(check, doc, caps, CapMode.Read);
    const bySeq = new Map(log.frames.flatMap((f) => (f.type === FrameType.Entry ? [[f.seq, f.envelope] as const] : [])));
    expect([...bySeq.keys()]).toEqual(range(1, total));
    for (const w of [w1, w2]) for (const [counter, seq] of w.acked) expect(bySeq.get(seq), `${counter} at ${seq}`).toEqual(w.sent.get(counter));

    // A relay started now joins the fan-out: its reader gets the next entry written through the other, live.
    const p3 = await relay(redis.url);
    const late = await connect(p3.url, r1, workspace);
    await follow(late, doc, caps, CapMode.Read, total);
    w2.send([n + 1]);
    expect(await late.nextOf(FrameType.Entry, doc)).toMatchObject({ seq: total + 1, envelope: w2.sent.get(n + 1) });

    const metrics = await (await fetch(`${p2.url}/metrics`)).text();
    expect(metrics).toMatch(/tendril_relay_fanout_received_total\{kind="appended"\} [1-9]/);
    expect(metrics).toMatch(/tendril_relay_fanout_published_total\{kind="appended"\} [1-9]/);
  }, 90_000);
});
