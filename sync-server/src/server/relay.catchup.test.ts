/**
 * Integration: catch-up from a cursor, paging, and the hand-over to live
 * fan-out. Readers join at random moments while several writers append; each
 * must see exactly cursor+1..N, in order, once, with CaughtUp at a point where
 * everything before it was delivered. Run against the memory store, a store
 * whose answers arrive after random delays (commits resolve out of order),
 * and SQLite with group commit.
 */
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CapMode, FrameType, type Frame } from '@tendril/crdt-schema/wire';
import type { DocId } from '@tendril/crdt-schema/ids';
import { createMemoryStore } from '../store/memory.ts';
import { openSqliteStore } from '../store/sqlite.ts';
import type { RelayStore } from '../store/types.ts';
import { relayHarness, type Member } from '../testing/harness.ts';
import { appendAll, createDoc, follow, range } from '../testing/docs.ts';
import { seededRng, type Rng } from '../testing/prng.ts';
import { jitteryStore } from '../testing/store-wrappers.ts';
import { tempDirs } from '../testing/temp-dir.ts';
import { waitFor } from '../testing/wait.ts';

const h = relayHarness();
const dirs = tempDirs();
afterEach(() => h.cleanup());
afterAll(() => dirs.cleanup());
const FAST = { framesPerSecond: 100_000, frameBurst: 100_000 };

/** The seqs of Entry frames for `doc`, and where CaughtUp came, from everything a client received. */
function deliveries(frames: readonly Frame[], doc: DocId): { seqs: number[]; caughtUpAt: number; caughtUpHead: number } {
  const seqs: number[] = [];
  let caughtUpAt = -1;
  let caughtUpHead = -1;
  for (const f of frames) {
    if (f.type === FrameType.Entry && f.doc === doc) seqs.push(f.seq);
    if (f.type === FrameType.CaughtUp && f.doc === doc) {
      expect(caughtUpAt, 'CaughtUp is sent once').toBe(-1);
      caughtUpAt = seqs.length;
      caughtUpHead = f.head;
    }
  }
  return { seqs, caughtUpAt, caughtUpHead };
}

async function concurrentScenario(store: RelayStore, r: Rng): Promise<void> {
  const relay = await h.start({ store, limits: { ...FAST, catchUpPageSize: 4 } });
  const first = await h.member(relay);
  const { doc, caps } = await createDoc(first.client);
  const writers: Member[] = [first];
  for (let i = 0; i < 3; i++) {
    const w = await h.member(relay, first.workspace);
    await follow(w.client, doc, caps, CapMode.Write);
    writers.push(w);
  }
  await appendAll(first.client, first.device, doc, range(1, 30));
  const perWriter = 80;
  const batch = 10;
  let acked = 30;
  const writing = writers.map(async (w, i) => {
    const from = i === 0 ? 31 : 1;
    for (let c = from; c < from + perWriter; c += batch) {
      const acks = await appendAll(w.client, w.device, doc, range(c, c + batch - 1));
      acked += acks.length; // not `acked += await ...`: that reads `acked` before the await
    }
  });
  const readers: Array<{ m: Member; cursor: number }> = [];
  for (let i = 0; i < 8; i++) {
    const threshold = 30 + r.int(0, (perWriter * writers.length) / 2);
    await waitFor(() => acked >= threshold, `${threshold} acks`);
    const m = await h.member(relay, first.workspace);
    const cursor = r.int(0, await relay.store.head(doc));
    expect(await m.client.subscribe(doc, caps, CapMode.Read, cursor)).toMatchObject({ type: FrameType.Subscribed });
    readers.push({ m, cursor });
  }
  await Promise.all(writing);
  const total = 30 + perWriter * writers.length;
  expect(await relay.store.head(doc)).toBe(total);
  for (const { m, cursor } of readers) {
    const has = (type: number, seq?: number): boolean =>
      m.client.received.some((f) => f.type === type && (seq === undefined || (f.type === FrameType.Entry && f.seq === seq)));
    // A reader that joined after the last append (cursor === total) is owed no entry, only CaughtUp.
    await waitFor(
      () => (cursor === total || has(FrameType.Entry, total)) && has(FrameType.CaughtUp),
      `reader from ${cursor} to reach ${total}`,
    );
    const got = deliveries(m.client.received, doc);
    expect(got.seqs, `reader from cursor ${cursor}`).toEqual(range(cursor + 1, total));
    expect(got.caughtUpHead).toBe(cursor + got.caughtUpAt);
  }
  // Writers get entries in strictly increasing order; live, their own come back as acks only.
  // Together, entries and acks cover 1..total (a writer that fell back to catch-up may still be reading).
  for (const w of writers) {
    const covered = (): Set<number> =>
      new Set([
        ...deliveries(w.client.received, doc).seqs,
        ...w.client.received.flatMap((f) => (f.type === FrameType.Ack && f.doc === doc ? [f.seq] : [])),
      ]);
    await waitFor(() => covered().size === total, 'a writer to see every seq');
    expect(covered()).toEqual(new Set(range(1, total)));
    const entries = deliveries(w.client.received, doc).seqs;
    expect(entries.every((seq, i) => i === 0 || seq > entries[i - 1]!), 'strictly increasing').toBe(true);
  }
}

describe('relay catch-up and live hand-over', () => {
  it('sends the entries after the cursor, then CaughtUp, then live entries', async () => {
    const relay = await h.start({ limits: { ...FAST, catchUpPageSize: 3 } });
    const w = await h.member(relay);
    const { doc, caps } = await createDoc(w.client);
    await appendAll(w.client, w.device, doc, range(1, 10));
    const reader = await h.member(relay, w.workspace);
    const seen = await follow(reader.client, doc, caps, CapMode.Read, 4);
    expect(seen.subscribed).toMatchObject({ head: 10, snapshotSeq: 0 });
    expect(seen.frames.map((f) => f.type === FrameType.Entry && f.seq)).toEqual(range(5, 10));
    expect(seen.head).toBe(10);
    await appendAll(w.client, w.device, doc, [11]);
    expect(await reader.client.nextOf(FrameType.Entry, doc)).toMatchObject({ seq: 11 });
  });

  it('resumes a cursor past the head from the head, so new entries still arrive', async () => {
    const relay = await h.start();
    const w = await h.member(relay);
    const { doc, caps } = await createDoc(w.client);
    await appendAll(w.client, w.device, doc, range(1, 2));
    const reader = await h.member(relay, w.workspace);
    const seen = await follow(reader.client, doc, caps, CapMode.Read, 7);
    expect(seen).toMatchObject({ head: 2, frames: [] });
    await appendAll(w.client, w.device, doc, [3]);
    expect(await reader.client.nextOf(FrameType.Entry, doc)).toMatchObject({ seq: 3 });
  });

  it('has no gap or duplicate under concurrent appends (memory store)', async () => {
    await concurrentScenario(createMemoryStore(), seededRng('sync-server/src/server/relay.catchup.test.ts'));
  });

  it('has no gap or duplicate under concurrent appends when store answers arrive late and out of order', async () => {
    const r = seededRng('sync-server/src/server/relay.catchup.test.ts');
    await concurrentScenario(jitteryStore(createMemoryStore(), r.next, 4), r);
  });

  it('has no gap or duplicate under concurrent appends (SQLite, group commit)', async () => {
    const store = openSqliteStore({ path: join(dirs.make(), 'relay.sqlite') });
    await concurrentScenario(store, seededRng('sync-server/src/server/relay.catchup.test.ts'));
  });
});
