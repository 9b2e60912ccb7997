/**
 * The device's local store in a Node home: one SQLite file holding, per
 * document, the outbox of sealed envelopes, the sealed update records
 * appended since the last compaction (`updates`), the sealed compacted state
 * (`state`) and the counters (`meta`, its own small row, so an append never
 * rewrites the state row), and the hash-chain link of this device's last
 * update (`chain`). Only ciphertext and hashes of ciphertext are written. WAL with
 * synchronous=FULL, so a change the CLI reports as queued survives a crash;
 * each DocStore call is one transaction.
 *
 * Schema history: files from before the update log have no `updates` and no
 * `meta` table, and keep their counters in the state row; the tables are
 * created on open (`CREATE TABLE IF NOT EXISTS`, `chain` too), the counters of both places
 * are merged on load, and old state rows load as compacted states with no
 * records after them.
 */
import Database from 'better-sqlite3';
import type { DocId } from '@tendril/crdt-schema/ids';
import { chainHeadOf, type DocStore, type LoadedDoc, type OutboxEntry, type SyncMeta, type UpdateRecord } from '@tendril/crdt-schema/sync';

export class LocalDb {
  private readonly db: Database.Database;
  private readonly q;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS outbox (doc TEXT NOT NULL, counter INTEGER NOT NULL, envelope BLOB NOT NULL, PRIMARY KEY (doc, counter));
      CREATE TABLE IF NOT EXISTS state (doc TEXT PRIMARY KEY, state BLOB, my_counter INTEGER NOT NULL, max_seen_seq INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS updates (doc TEXT NOT NULL, id INTEGER NOT NULL, record BLOB NOT NULL, PRIMARY KEY (doc, id));
      CREATE TABLE IF NOT EXISTS meta (doc TEXT PRIMARY KEY, my_counter INTEGER NOT NULL, max_seen_seq INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS chain (doc TEXT PRIMARY KEY, counter INTEGER NOT NULL, link BLOB NOT NULL);
    `);
    this.q = {
      outbox: this.db.prepare<[string], { counter: number; envelope: Buffer }>('SELECT counter, envelope FROM outbox WHERE doc = ? ORDER BY counter'),
      updates: this.db.prepare<[string], { id: number; record: Buffer }>('SELECT id, record FROM updates WHERE doc = ? ORDER BY id'),
      state: this.db.prepare<[string], { state: Buffer | null; my_counter: number; max_seen_seq: number }>('SELECT state, my_counter, max_seen_seq FROM state WHERE doc = ?'),
      readMeta: this.db.prepare<[string], { my_counter: number; max_seen_seq: number }>('SELECT my_counter, max_seen_seq FROM meta WHERE doc = ?'),
      put: this.db.prepare('INSERT OR REPLACE INTO outbox (doc, counter, envelope) VALUES (?, ?, ?)'),
      del: this.db.prepare('DELETE FROM outbox WHERE doc = ? AND counter = ?'),
      append: this.db.prepare('INSERT OR REPLACE INTO updates (doc, id, record) VALUES (?, ?, ?)'),
      trim: this.db.prepare('DELETE FROM updates WHERE doc = ? AND id <= ?'),
      meta: this.db.prepare(
        'INSERT INTO meta (doc, my_counter, max_seen_seq) VALUES (?, ?, ?) ON CONFLICT(doc) DO UPDATE SET my_counter = max(my_counter, excluded.my_counter), max_seen_seq = max(max_seen_seq, excluded.max_seen_seq)',
      ),
      save: this.db.prepare(
        'INSERT INTO state (doc, state, my_counter, max_seen_seq) VALUES (?, ?, ?, ?) ON CONFLICT(doc) DO UPDATE SET state = excluded.state, my_counter = max(my_counter, excluded.my_counter), max_seen_seq = max(max_seen_seq, excluded.max_seen_seq)',
      ),
      readChain: this.db.prepare<[string], { counter: number; link: Buffer }>('SELECT counter, link FROM chain WHERE doc = ?'),
      chain: this.db.prepare(
        'INSERT INTO chain (doc, counter, link) VALUES (?, ?, ?) ON CONFLICT(doc) DO UPDATE SET counter = excluded.counter, link = excluded.link WHERE excluded.counter > chain.counter',
      ),
      outboxCount: this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM outbox'),
    };
  }

  /** Local changes of every document not yet acknowledged by the relay. */
  unackedCount(): number {
    return this.q.outboxCount.get()!.n;
  }

  store(doc: DocId): DocStore {
    const q = this.q;
    const load = this.db.transaction((): LoadedDoc => {
      const row = q.state.get(doc);
      const m = q.readMeta.get(doc);
      const c = q.readChain.get(doc);
      const chainHead = c ? chainHeadOf({ counter: c.counter, link: new Uint8Array(c.link) }) : undefined;
      return {
        state: row?.state ? new Uint8Array(row.state) : null,
        updates: q.updates.all(doc).map((r): UpdateRecord => ({ id: r.id, sealed: new Uint8Array(r.record) })),
        meta:
          row || m
            ? { myCounter: Math.max(row?.my_counter ?? 0, m?.my_counter ?? 0), maxSeenSeq: Math.max(row?.max_seen_seq ?? 0, m?.max_seen_seq ?? 0), ...(chainHead ? { chainHead } : {}) }
            : null,
        outbox: q.outbox.all(doc).map((r): OutboxEntry => ({ counter: r.counter, envelope: new Uint8Array(r.envelope) })),
      };
    });
    const saveChain = (meta: SyncMeta): void => {
      const c = chainHeadOf(meta.chainHead);
      if (c) q.chain.run(doc, c.counter, Buffer.from(c.link.buffer, c.link.byteOffset, c.link.byteLength));
    };
    const append = this.db.transaction((records: readonly UpdateRecord[], meta: SyncMeta, acked: readonly number[]) => {
      for (const r of records) q.append.run(doc, r.id, Buffer.from(r.sealed.buffer, r.sealed.byteOffset, r.sealed.byteLength));
      for (const c of acked) q.del.run(doc, c);
      q.meta.run(doc, meta.myCounter, meta.maxSeenSeq);
      saveChain(meta);
    });
    const compact = this.db.transaction((state: Uint8Array, through: number, meta: SyncMeta) => {
      q.save.run(doc, Buffer.from(state.buffer, state.byteOffset, state.byteLength), meta.myCounter, meta.maxSeenSeq);
      q.meta.run(doc, meta.myCounter, meta.maxSeenSeq);
      saveChain(meta);
      q.trim.run(doc, through);
    });
    return {
      load: async () => load(),
      putOutbox: async (e) => void q.put.run(doc, e.counter, Buffer.from(e.envelope)),
      append: async (records, meta, acked = []) => void append(records, meta, acked),
      ack: async (counters, meta) => void append([], meta, counters),
      compact: async (state, through, meta) => void compact(state, through, meta),
    };
  }

  close(): void {
    this.db.close();
  }
}
