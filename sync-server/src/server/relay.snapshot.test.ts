/** Integration: snapshots, the snapshot-then-tail catch-up, pruning after the grace period, and resends of pruned entries. */
import { afterEach, describe, expect, it } from 'vitest';
import { CapMode, FrameType, type Frame } from '@tendril/crdt-schema/wire';
import type { DocId } from '@tendril/crdt-schema/ids';
import { createMemoryStore } from '../store/memory.ts';
import type { RelayStore } from '../store/types.ts';
import { relayHarness, type Member } from '../testing/harness.ts';
import { makeEnvelope, snapshotEnvelope } from '../testing/envelopes.ts';
import { appendAll, createDoc, follow, range } from '../testing/docs.ts';
import { manualClock } from '../testing/manual-clock.ts';
import { waitFor } from '../testing/wait.ts';

const h = relayHarness();
afterEach(() => h.cleanup());

const shape = (frames: Frame[]): string[] =>
  frames.map((f) => (f.type === FrameType.Snapshot ? `snapshot ${f.seq}` : f.type === FrameType.Entry ? `entry ${f.seq}` : `type ${f.type}`));

async function putSnapshot(m: Member, doc: DocId, seq: number, ref = 0): Promise<Frame> {
  m.client.send({ type: FrameType.SnapshotPut, doc, ref, seq, envelope: snapshotEnvelope({ doc, author: m.device, counter: seq }) });
  return m.client.next((f) => (f.type === FrameType.Ack || f.type === FrameType.Error) && 'doc' in f && f.doc === doc);
}

describe('relay snapshots', () => {
  it('serves the snapshot and then the tail to a client behind it', async () => {
    const relay = await h.start();
    const w = await h.member(relay);
    const { doc, caps } = await createDoc(w.client);
    await appendAll(w.client, w.device, doc, range(1, 10));
    expect(await putSnapshot(w, doc, 6)).toEqual({ type: FrameType.Ack, doc, ref: 0, seq: 6 });
    const fresh = await h.member(relay, w.workspace);
    const seen = await follow(fresh.client, doc, caps, CapMode.Read, 0);
    expect(seen.subscribed).toMatchObject({ head: 10, snapshotSeq: 6 });
    expect(shape(seen.frames)).toEqual(['snapshot 6', 'entry 7', 'entry 8', 'entry 9', 'entry 10']);
    const ahead = await h.member(relay, w.workspace);
    expect(shape((await follow(ahead.client, doc, caps, CapMode.Read, 8)).frames)).toEqual(['entry 9', 'entry 10']);
  });

  it("tells the document's other subscribers that a snapshot was stored, and not the uploader nor other documents", async () => {
    const relay = await h.start();
    const w = await h.member(relay);
    const { doc, caps } = await createDoc(w.client);
    const other = await createDoc(w.client);
    await appendAll(w.client, w.device, doc, range(1, 5));
    const reader = await h.member(relay, w.workspace);
    await follow(reader.client, doc, caps, CapMode.Read);
    const elsewhere = await h.member(relay, w.workspace);
    await follow(elsewhere.client, other.doc, other.caps, CapMode.Read);
    expect(await putSnapshot(w, doc, 4)).toMatchObject({ type: FrameType.Ack, seq: 4 });
    expect(await reader.client.nextOf(FrameType.SnapshotStored, doc)).toEqual({ type: FrameType.SnapshotStored, doc, seq: 4 });
    // A refused upload announces nothing; the next accepted one does.
    expect(await putSnapshot(w, doc, 3, 1)).toMatchObject({ code: 'E_SNAPSHOT_REJECTED' });
    expect(await putSnapshot(w, doc, 5, 2)).toMatchObject({ type: FrameType.Ack, seq: 5 });
    expect(await reader.client.nextOf(FrameType.SnapshotStored, doc)).toMatchObject({ seq: 5 });
    // A refused upload on each connection: its answer comes after anything sent to it before.
    expect(await putSnapshot(w, doc, 5, 3)).toMatchObject({ code: 'E_SNAPSHOT_REJECTED' });
    expect(await putSnapshot(elsewhere, other.doc, 1, 4)).toMatchObject({ code: 'E_SNAPSHOT_REJECTED' });
    const seen = (c: Member): Frame[] => c.client.received.filter((f) => f.type === FrameType.SnapshotStored);
    expect(seen(w)).toEqual([]);
    expect(seen(elsewhere)).toEqual([]);
  });

  it('rejects a snapshot beyond the head or not newer than the stored one, and from a read subscription', async () => {
    const relay = await h.start();
    const w = await h.member(relay);
    const { doc, caps } = await createDoc(w.client);
    await appendAll(w.client, w.device, doc, range(1, 5));
    expect(await putSnapshot(w, doc, 6, 1)).toMatchObject({ code: 'E_SNAPSHOT_REJECTED', ref: 1 });
    expect(await putSnapshot(w, doc, 4, 2)).toMatchObject({ type: FrameType.Ack, seq: 4 });
    expect(await putSnapshot(w, doc, 4, 3)).toMatchObject({ code: 'E_SNAPSHOT_REJECTED', ref: 3 });
    const reader = await h.member(relay, w.workspace);
    await follow(reader.client, doc, caps, CapMode.Read);
    expect(await putSnapshot(reader, doc, 5, 4)).toMatchObject({ code: 'E_SNAPSHOT_REJECTED', ref: 4 });
    w.client.send({ type: FrameType.SnapshotPut, doc, ref: 5, seq: 5, envelope: makeEnvelope({ doc, author: w.device, counter: 9 }) });
    expect(await w.client.nextError('E_FRAME_MALFORMED')).toMatchObject({ ref: 5 });
    expect((await relay.store.getSnapshot(doc))?.seq).toBe(4);
  });

  it('prunes covered entries only after the grace period, and acks a resend of a pruned entry with the snapshot seq', async () => {
    const clock = manualClock();
    const relay = await h.start({ clock, limits: { pruneGraceMs: 30_000 } });
    const w = await h.member(relay);
    const { doc } = await createDoc(w.client);
    await appendAll(w.client, w.device, doc, range(1, 10));
    await putSnapshot(w, doc, 6);
    clock.advance(29_999);
    expect((await relay.store.readSince(doc, 0, 100))[0]?.seq).toBe(1);
    clock.advance(1);
    await waitFor(async () => (await relay.store.readSince(doc, 0, 100))[0]?.seq === 7, 'the prune');
    w.client.send({ type: FrameType.Envelope, doc, ref: 3, envelope: makeEnvelope({ doc, author: w.device, counter: 3 }) });
    expect(await w.client.nextOf(FrameType.Ack, doc)).toMatchObject({ ref: 3, seq: 6 });
    expect(await relay.store.head(doc)).toBe(10);
  });

  it('switches a catch-up to the snapshot when the entries it was about to read were pruned', async () => {
    const clock = manualClock();
    const inner = createMemoryStore();
    let holdReads: Promise<void> | undefined;
    let releaseReads = (): void => {};
    let heldReads = 0;
    const store: RelayStore = {
      ...inner,
      readSince: async (doc, after, limit) => {
        if (holdReads) {
          heldReads++;
          await holdReads;
        }
        return inner.readSince(doc, after, limit);
      },
    };
    const relay = await h.start({ store, clock, limits: { pruneGraceMs: 10 } });
    const w = await h.member(relay);
    const { doc, caps } = await createDoc(w.client);
    await appendAll(w.client, w.device, doc, range(1, 10));
    holdReads = new Promise((resolve) => (releaseReads = resolve));
    const reader = await h.member(relay, w.workspace);
    expect(await reader.client.subscribe(doc, caps, CapMode.Read, 2)).toMatchObject({ snapshotSeq: 0 });
    await waitFor(() => heldReads === 1, 'the catch-up read to start');
    await putSnapshot(w, doc, 8);
    clock.advance(10);
    await waitFor(async () => (await inner.readSince(doc, 0, 1))[0]?.seq === 9, 'the prune');
    holdReads = undefined;
    releaseReads();
    const seen = await reader.client.catchUp(doc);
    expect(shape(seen.frames)).toEqual(['snapshot 8', 'entry 9', 'entry 10']);
    expect(seen.head).toBe(10);
  });
});
