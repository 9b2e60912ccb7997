/** The IndexedDB blob cache keeps sealed bytes across a reopen, and drops the oldest past its cap. */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { idbBlobCache } from './idb-blob-cache.ts';
import { openDatabase } from './idb.ts';

describe('idbBlobCache', () => {
  it('returns what it stored, after the database is opened again', async () => {
    const name = `blobs-${Math.random()}`;
    let db = await openDatabase(indexedDB, name);
    await idbBlobCache(db).put('a'.repeat(64), Uint8Array.from([1, 2, 3]));
    db.close();
    db = await openDatabase(indexedDB, name);
    const cache = idbBlobCache(db);
    expect(await cache.get('a'.repeat(64))).toEqual(Uint8Array.from([1, 2, 3]));
    expect(await cache.get('b'.repeat(64))).toBeUndefined();
    db.close();
  });

  it('drops the least recently stored blobs past maxBytes', async () => {
    const db = await openDatabase(indexedDB, `blobs-${Math.random()}`);
    let t = 0;
    const cache = idbBlobCache(db, { maxBytes: 10, now: () => ++t });
    await cache.put('1', new Uint8Array(4));
    await cache.put('2', new Uint8Array(4));
    await cache.put('3', new Uint8Array(4));
    expect(await cache.get('1')).toBeUndefined();
    expect(await cache.get('2')).toBeDefined();
    expect(await cache.get('3')).toBeDefined();
    await cache.put('huge', new Uint8Array(11));
    expect(await cache.get('huge')).toBeUndefined();
    db.close();
  });
});
