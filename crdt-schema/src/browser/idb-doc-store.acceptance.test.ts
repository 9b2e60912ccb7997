import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type { DocId } from '../ids.ts';
import { newDocId } from '../ids.ts';
import { runDocStoreTests } from './doc-store.acceptance.ts';
import { countOutbox, IdbDocStore } from './idb-doc-store.ts';
import { openDatabase } from './idb.ts';

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
    await new IdbDocStore(db, b).saveState(Uint8Array.of(3), { myCounter: 1, maxSeenSeq: 0 });
    expect((await new IdbDocStore(db, a).load()).outbox).toEqual([{ counter: 1, envelope: Uint8Array.of(1) }]);
    expect((await new IdbDocStore(db, a).load()).state).toBeNull();
    expect(await countOutbox(db)).toBe(2);
    await new IdbDocStore(db, b).forget();
    expect(await new IdbDocStore(db, b).load()).toEqual({ state: null, meta: null, outbox: [] });
    expect(await countOutbox(db)).toBe(1);
  });
});
