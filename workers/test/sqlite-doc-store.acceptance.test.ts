/**
 * The DocStore acceptance suite against the SQLite store of Node homes,
 * reopened on the same file as a restart would (no close: only committed
 * transactions count), and the upgrade of a file from before the update log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { newDocId } from '@tendril/crdt-schema/ids';
import { runDocStoreTests } from '@tendril/crdt-schema/sync-acceptance';
import { LocalDb } from '../src/home/sqlite-doc-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'tendril-local-db-'));
const opened: LocalDb[] = [];
afterAll(() => {
  for (const db of opened) db.close();
  rmSync(dir, { recursive: true, force: true });
});
let files = 0;
const openDb = (path: string): LocalDb => {
  const db = new LocalDb(path);
  opened.push(db);
  return db;
};

runDocStoreTests('sqlite', async () => {
  const path = join(dir, `local-${++files}.db`);
  const doc = newDocId();
  return { store: openDb(path).store(doc), reopen: async () => openDb(path).store(doc) };
});

describe('LocalDb', () => {
  it('opens a file written before the update log, keeping its state, meta and outbox', async () => {
    const path = join(dir, 'old.db');
    const doc = newDocId();
    const old = new Database(path);
    old.exec(`
      CREATE TABLE outbox (doc TEXT NOT NULL, counter INTEGER NOT NULL, envelope BLOB NOT NULL, PRIMARY KEY (doc, counter));
      CREATE TABLE state (doc TEXT PRIMARY KEY, state BLOB, my_counter INTEGER NOT NULL, max_seen_seq INTEGER NOT NULL);
    `);
    old.prepare('INSERT INTO state VALUES (?, ?, 4, 9)').run(doc, Buffer.from([1, 2, 3]));
    old.prepare('INSERT INTO outbox VALUES (?, 4, ?)').run(doc, Buffer.from([4]));
    old.close();
    const store = openDb(path).store(doc);
    expect(await store.load()).toEqual({ state: Uint8Array.of(1, 2, 3), updates: [], meta: { myCounter: 4, maxSeenSeq: 9 }, outbox: [{ counter: 4, envelope: Uint8Array.of(4) }] });
    await store.append([{ id: 1, sealed: Uint8Array.of(5) }], { myCounter: 4, maxSeenSeq: 10 }, [4]);
    expect(await openDb(path).store(doc).load()).toEqual({ state: Uint8Array.of(1, 2, 3), updates: [{ id: 1, sealed: Uint8Array.of(5) }], meta: { myCounter: 4, maxSeenSeq: 10 }, outbox: [] });
    // The counters the old state row holds stay, even under a compaction handed lower ones.
    await store.compact(Uint8Array.of(6), 1, { myCounter: 1, maxSeenSeq: 1 });
    expect(await openDb(path).store(doc).load()).toEqual({ state: Uint8Array.of(6), updates: [], meta: { myCounter: 4, maxSeenSeq: 10 }, outbox: [] });
  });

  it('keeps documents apart, including when one compacts', async () => {
    const db = openDb(join(dir, 'apart.db'));
    const [a, b] = [db.store(newDocId()), db.store(newDocId())];
    await a.append([{ id: 1, sealed: Uint8Array.of(1) }], { myCounter: 0, maxSeenSeq: 1 });
    await b.append([{ id: 1, sealed: Uint8Array.of(2) }], { myCounter: 0, maxSeenSeq: 1 });
    await b.compact(Uint8Array.of(3), 1, { myCounter: 0, maxSeenSeq: 1 });
    expect((await a.load()).updates).toEqual([{ id: 1, sealed: Uint8Array.of(1) }]);
    expect((await a.load()).state).toBeNull();
    expect((await b.load()).updates).toEqual([]);
  });
});
