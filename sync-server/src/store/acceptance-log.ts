/** Acceptance tests: the append-only log, its sequence numbers, dedupe and paging. */
import { expect, it } from 'vitest';
import { isTendrilError } from '@tendril/crdt-schema/errors';
import { newDocId } from '@tendril/crdt-schema/ids';
import type { StoreHarness } from './acceptance.ts';
import { appendMany, entry, key, newDoc } from './acceptance-fixtures.ts';

export function logTests(h: StoreHarness): void {
  it('numbers each document 1, 2, 3, ... independently', async () => {
    const store = await h.open();
    const [a, b] = [await newDoc(store), await newDoc(store)];
    const author = key();
    expect(await appendMany(store, a, author, 3)).toEqual([1, 2, 3]);
    expect(await appendMany(store, b, author, 2)).toEqual([1, 2]);
    expect(await store.head(a)).toBe(3);
    expect((await store.getDoc(b))?.head).toBe(2);
  });

  it('refuses an append to an unregistered document', async () => {
    const store = await h.open();
    await expect(store.append(newDocId(), entry(key(), 1))).rejects.toSatisfy((e) => isTendrilError(e, 'E_UNKNOWN_DOC'));
  });

  it('assigns concurrent appends consecutive seqs in call order', async () => {
    const store = await h.open();
    const doc = await newDoc(store);
    const authors = [key(), key(), key()];
    const inputs = Array.from({ length: 60 }, (_, i) => entry(authors[i % 3]!, Math.floor(i / 3) + 1));
    const results = await Promise.all(inputs.map((input) => store.append(doc, input)));
    expect(results.map((r) => r.seq)).toEqual(inputs.map((_, i) => i + 1));
    expect(results.every((r) => r.status === 'appended')).toBe(true);
    const stored = await store.readSince(doc, 0, 100);
    expect(stored.map((e) => e.envelope)).toEqual(inputs.map((i) => i.envelope));
  });

  it('answers a resent (author, counter) with its original seq instead of appending again', async () => {
    const store = await h.open();
    const doc = await newDoc(store);
    const [alice, bob] = [key(), key()];
    await appendMany(store, doc, alice, 3);
    expect(await store.append(doc, entry(alice, 2))).toEqual({ seq: 2, status: 'duplicate' });
    expect(await store.head(doc)).toBe(3);
    expect(await store.append(doc, entry(bob, 2))).toEqual({ seq: 4, status: 'appended' });
  });

  it('refuses other bytes under an (author, counter) it holds as a conflict, keeping the first bytes', async () => {
    const store = await h.open();
    const doc = await newDoc(store);
    const alice = key();
    await appendMany(store, doc, alice, 2);
    const other = entry(alice, 2);
    const forged = { ...other, envelope: other.envelope.map((b, i) => (i === 20 ? b ^ 0xff : b)) };
    expect(await store.append(doc, forged)).toEqual({ seq: 2, status: 'conflict' });
    expect(await store.head(doc)).toBe(2);
    expect((await store.readSince(doc, 1, 10)).map((e) => e.envelope)).toEqual([other.envelope]);
    const [first, second] = await Promise.all([store.append(doc, entry(alice, 3)), store.append(doc, { ...entry(alice, 3), envelope: entry(alice, 3, 30).envelope })]);
    expect(first).toEqual({ seq: 3, status: 'appended' });
    expect(second).toEqual({ seq: 3, status: 'conflict' });
  });

  it('passes its health check while open, leaves no trace of it, and fails it once closed', async () => {
    const store = await h.open();
    const before = await store.stats();
    await store.check();
    expect(await store.stats()).toEqual(before);
    await store.close();
    await expect(store.check()).rejects.toMatchObject({ code: 'E_STORE_FAILED' });
  });

  it('dedupes a resend inside the same batch', async () => {
    const store = await h.open();
    const doc = await newDoc(store);
    const alice = key();
    const [first, again] = await Promise.all([store.append(doc, entry(alice, 1)), store.append(doc, entry(alice, 1))]);
    expect(first).toEqual({ seq: 1, status: 'appended' });
    expect(again).toEqual({ seq: 1, status: 'duplicate' });
    expect(await store.head(doc)).toBe(1);
  });

  it('reads entries after a cursor, in pages, with their bytes intact', async () => {
    const store = await h.open();
    const doc = await newDoc(store);
    const alice = key();
    await appendMany(store, doc, alice, 10);
    const page = await store.readSince(doc, 3, 4);
    expect(page.map((e) => e.seq)).toEqual([4, 5, 6, 7]);
    expect(page[0]).toEqual({ seq: 4, author: alice, counter: 4, envelope: entry(alice, 4).envelope });
    expect((await store.readSince(doc, 8, 100)).map((e) => e.seq)).toEqual([9, 10]);
    expect(await store.readSince(doc, 10, 100)).toEqual([]);
    expect(await store.readSince(newDocId(), 0, 100)).toEqual([]);
  });

  it('ends a page at the entry that reaches maxBytes, and always returns at least one entry', async () => {
    const store = await h.open();
    const doc = await newDoc(store);
    const alice = key();
    await appendMany(store, doc, alice, 10);
    const size = entry(alice, 1).envelope.length;
    expect((await store.readSince(doc, 0, 100, 3 * size)).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect((await store.readSince(doc, 0, 100, 3 * size - 1)).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect((await store.readSince(doc, 4, 100, 1)).map((e) => e.seq)).toEqual([5]);
    expect((await store.readSince(doc, 4, 2, 100 * size)).map((e) => e.seq)).toEqual([5, 6]);
    expect((await store.readSince(doc, 8, 100, 100 * size)).map((e) => e.seq)).toEqual([9, 10]);
  });

  it('copies appended bytes, so the caller may reuse its buffer', async () => {
    const store = await h.open();
    const doc = await newDoc(store);
    const input = entry(key(), 1);
    const original = input.envelope.slice();
    const pending = store.append(doc, input);
    input.envelope.fill(7);
    await pending;
    expect((await store.readSince(doc, 0, 1))[0]?.envelope).toEqual(original);
  });

  it('stores large envelopes whole', async () => {
    const store = await h.open();
    const doc = await newDoc(store);
    const big = entry(key(), 1, 1024 * 1024);
    await store.append(doc, big);
    const stored = (await store.readSince(doc, 0, 1))[0]!.envelope;
    // Buffer.equals, not toEqual: a deep equality walk over 1 MiB takes seconds.
    expect(Buffer.from(stored).equals(Buffer.from(big.envelope))).toBe(true);
  });
}
