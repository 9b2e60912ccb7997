import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type { DocId } from '../ids.ts';
import { newDocId } from '../ids.ts';
import { runDocStoreTests } from '../sync/doc-store.acceptance.ts';
import { countOutbox, IdbDocStore } from './idb-doc-store.ts';
import { DB_NAME, DB_VERSION, openDatabase, Stores, transact } from './idb.ts';

runDocStoreTests('indexeddb', async () => {
  const factory = new IDBFactory();
  const doc = newDocId();
  const db = await openDatabase(factory);
  return {
    store: new IdbDocStore(db, doc),
    reopen: async () => {
      db.close();
      return new IdbDocStore(await openDatabase(factory), doc);
    },
  };
});

describe('IdbDocStore', () => {
  it('keeps documents apart and counts every outbox', async () => {
    const db = await openDatabase(new IDBFactory());
    const [a, b] = [newDocId(), newDocId()] as [DocId, DocId];
    await new IdbDocStore(db, a).putOutbox({ counter: 1, envelope: Uint8Array.of(1) });
    await new IdbDocStore(db, b).putOutbox({ counter: 1, envelope: Uint8Array.of(2) });
    await new IdbDocStore(db, b).compact(Uint8Array.of(3), 0, { myCounter: 1, maxSeenSeq: 0 });
    expect((await new IdbDocStore(db, a).load()).outbox).toEqual([{ counter: 1, envelope: Uint8Array.of(1) }]);
    expect((await new IdbDocStore(db, a).load()).state).toBeNull();
    expect(await countOutbox(db)).toBe(2);
    await new IdbDocStore(db, b).forget();
    expect(await new IdbDocStore(db, b).load()).toEqual({ state: null, updates: [], meta: null, outbox: [] });
    expect(await countOutbox(db)).toBe(1);
  });

  it('forgets the update records of a document, and only of that one', async () => {
    const db = await openDatabase(new IDBFactory());
    const [a, b] = [new IdbDocStore(db, newDocId()), new IdbDocStore(db, newDocId())];
    await a.append([{ id: 1, sealed: Uint8Array.of(1) }], { myCounter: 0, maxSeenSeq: 1 });
    await b.append([{ id: 1, sealed: Uint8Array.of(2) }], { myCounter: 0, maxSeenSeq: 1 });
    await b.compact(Uint8Array.of(3), 1, { myCounter: 0, maxSeenSeq: 1 });
    expect((await a.load()).updates).toEqual([{ id: 1, sealed: Uint8Array.of(1) }]);
    await a.forget();
    expect(await a.load()).toEqual({ state: null, updates: [], meta: null, outbox: [] });
    expect((await b.load()).state).toEqual(Uint8Array.of(3));
  });

  it('upgrades a version-1 database: the old state and outbox load, and records can be appended', async () => {
    const factory = new IDBFactory();
    const [doc, untouched] = [newDocId(), newDocId()];
    const v1 = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = factory.open(DB_NAME, 1);
      req.onupgradeneeded = () => {
        for (const name of ['device', 'docs', 'outbox']) req.result.createObjectStore(name);
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    await transact(v1, [Stores.Docs, Stores.Outbox], 'readwrite', (tx) => {
      tx.objectStore(Stores.Docs).put({ state: Uint8Array.of(7, 7), myCounter: 3, maxSeenSeq: 8 }, doc);
      tx.objectStore(Stores.Outbox).put(Uint8Array.of(3), [doc, 3]);
      tx.objectStore(Stores.Docs).put({ state: Uint8Array.of(6), myCounter: 5, maxSeenSeq: 6 }, untouched);
    });
    v1.close();
    const db = await openDatabase(factory);
    expect(db.version).toBe(DB_VERSION);
    expect([...db.objectStoreNames]).toContain(Stores.Updates);
    const store = new IdbDocStore(db, doc);
    expect(await store.load()).toEqual({ state: Uint8Array.of(7, 7), updates: [], meta: { myCounter: 3, maxSeenSeq: 8 }, outbox: [{ counter: 3, envelope: Uint8Array.of(3) }] });
    await store.append([{ id: 1, sealed: Uint8Array.of(9) }], { myCounter: 3, maxSeenSeq: 9 }, [3]);
    expect(await store.load()).toEqual({ state: Uint8Array.of(7, 7), updates: [{ id: 1, sealed: Uint8Array.of(9) }], meta: { myCounter: 3, maxSeenSeq: 9 }, outbox: [] });
    // A compaction keeps the counters version 1 stored, even when handed lower ones.
    const other = new IdbDocStore(db, untouched);
    await other.compact(Uint8Array.of(8), 0, { myCounter: 1, maxSeenSeq: 1 });
    expect(await other.load()).toEqual({ state: Uint8Array.of(8), updates: [], meta: { myCounter: 5, maxSeenSeq: 6 }, outbox: [] });
  });
});
