/**
 * The device's local store in a Node home: one SQLite file holding, per
 * document, the outbox of sealed envelopes and the sealed local state. Only
 * ciphertext is written. WAL with synchronous=FULL, so a change the CLI
 * reports as queued survives a crash.
 */
import Database from 'better-sqlite3';
import type { DocId } from '@tendril/crdt-schema/ids';
import type { DocStore, LoadedDoc, OutboxEntry, SyncMeta } from '@tendril/crdt-schema/sync';

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
    `);
    this.q = {
      outbox: this.db.prepare<[string], { counter: number; envelope: Buffer }>('SELECT counter, envelope FROM outbox WHERE doc = ? ORDER BY counter'),
      state: this.db.prepare<[string], { state: Buffer | null; my_counter: number; max_seen_seq: number }>('SELECT state, my_counter, max_seen_seq FROM state WHERE doc = ?'),
      put: this.db.prepare('INSERT OR REPLACE INTO outbox (doc, counter, envelope) VALUES (?, ?, ?)'),
      del: this.db.prepare('DELETE FROM outbox WHERE doc = ? AND counter = ?'),
      meta: this.db.prepare(
        'INSERT INTO state (doc, state, my_counter, max_seen_seq) VALUES (?, NULL, ?, ?) ON CONFLICT(doc) DO UPDATE SET my_counter = max(my_counter, excluded.my_counter), max_seen_seq = max(max_seen_seq, excluded.max_seen_seq)',
      ),
      save: this.db.prepare(
        'INSERT INTO state (doc, state, my_counter, max_seen_seq) VALUES (?, ?, ?, ?) ON CONFLICT(doc) DO UPDATE SET state = excluded.state, my_counter = max(my_counter, excluded.my_counter), max_seen_seq = max(max_seen_seq, excluded.max_seen_seq)',
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
    const ack = this.db.transaction((counters: readonly number[], meta: SyncMeta) => {
      for (const c of counters) q.del.run(doc, c);
      q.meta.run(doc, meta.myCounter, meta.maxSeenSeq);
    });
    return {
      load: async (): Promise<LoadedDoc> => {
        const row = q.state.get(doc);
        const outbox: OutboxEntry[] = q.outbox.all(doc).map((r) => ({ counter: r.counter, envelope: new Uint8Array(r.envelope) }));
        return {
          state: row?.state ? new Uint8Array(row.state) : null,
          meta: row ? { myCounter: row.my_counter, maxSeenSeq: row.max_seen_seq } : null,
          outbox,
        };
      },
      putOutbox: async (e) => void q.put.run(doc, e.counter, Buffer.from(e.envelope)),
      ack: async (counters, meta) => void ack(counters, meta),
      saveState: async (state, meta) => void q.save.run(doc, Buffer.from(state), meta.myCounter, meta.maxSeenSeq),
    };
  }

  close(): void {
    this.db.close();
  }
}
