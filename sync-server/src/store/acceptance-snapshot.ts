/** Acceptance tests: snapshot put rules, pruning, and resends of pruned entries. */
import { expect, it } from 'vitest';
import { newDocId } from '@tendril/crdt-schema/ids';
import type { StoreHarness } from './acceptance.ts';
import { appendMany, entry, key, newDoc } from './acceptance-fixtures.ts';

const snap = (n: number): Uint8Array => new Uint8Array([0x53, n]);

export function snapshotTests(h: StoreHarness): void {
  it('accepts a snapshot only for 1 <= seq <= head and newer than the current one', async () => {
    const store = await h.open();
    const doc = await newDoc(store);
    await appendMany(store, doc, key(), 5);
    expect(await store.putSnapshot(doc, 6, snap(6))).toEqual({ ok: false, reason: 'beyond-head' });
    expect(await store.putSnapshot(doc, 0, snap(0))).toEqual({ ok: false, reason: 'not-newer' });
    expect(await store.putSnapshot(doc, 3, snap(3))).toEqual({ ok: true });
    expect(await store.putSnapshot(doc, 3, snap(33))).toEqual({ ok: false, reason: 'not-newer' });
    expect(await store.putSnapshot(doc, 2, snap(2))).toEqual({ ok: false, reason: 'not-newer' });
    expect(await store.getSnapshot(doc)).toEqual({ seq: 3, envelope: snap(3) });
    expect(await store.putSnapshot(doc, 5, snap(5))).toEqual({ ok: true });
    expect(await store.getSnapshot(doc)).toEqual({ seq: 5, envelope: snap(5) });
    expect((await store.getDoc(doc))?.snapshotSeq).toBe(5);
    expect(await store.putSnapshot(newDocId(), 1, snap(1))).toEqual({ ok: false, reason: 'unknown-doc' });
    expect(await store.getSnapshot(newDocId())).toBeUndefined();
  });

  it('prunes only entries a snapshot covers, and keeps the head', async () => {
    const store = await h.open();
    const doc = await newDoc(store);
    await appendMany(store, doc, key(), 10);
    expect(await store.prune(doc, 10)).toBe(0);
    await store.putSnapshot(doc, 4, snap(4));
    expect(await store.prune(doc, 10)).toBe(4);
    expect((await store.readSince(doc, 0, 100)).map((e) => e.seq)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(await store.head(doc)).toBe(10);
    await store.putSnapshot(doc, 7, snap(7));
    expect(await store.prune(doc, 6)).toBe(2);
    expect((await store.readSince(doc, 0, 100)).map((e) => e.seq)).toEqual([7, 8, 9, 10]);
    expect(await store.prune(doc, 6)).toBe(0);
    expect(await store.append(doc, entry(key(), 1))).toEqual({ seq: 11, status: 'appended' });
  });

  it('acks a resend of a pruned entry with the snapshot seq instead of appending it again', async () => {
    const store = await h.open();
    const doc = await newDoc(store);
    const [alice, bob] = [key(), key()];
    await appendMany(store, doc, alice, 3); // seqs 1..3, counters 1..3
    await appendMany(store, doc, bob, 2); // seqs 4..5
    await store.putSnapshot(doc, 4, snap(4));
    await store.prune(doc, 4);
    expect(await store.append(doc, entry(alice, 2))).toEqual({ seq: 4, status: 'covered' });
    expect(await store.append(doc, entry(bob, 1))).toEqual({ seq: 4, status: 'covered' });
    expect(await store.append(doc, entry(bob, 2))).toEqual({ seq: 5, status: 'duplicate' });
    expect(await store.head(doc)).toBe(5);
    expect(await store.append(doc, entry(alice, 4))).toEqual({ seq: 6, status: 'appended' });
  });

  it('still dedupes an entry a snapshot covers before it is pruned', async () => {
    const store = await h.open();
    const doc = await newDoc(store);
    const alice = key();
    await appendMany(store, doc, alice, 3);
    await store.putSnapshot(doc, 3, snap(3));
    expect(await store.append(doc, entry(alice, 1))).toEqual({ seq: 1, status: 'duplicate' });
  });
}
