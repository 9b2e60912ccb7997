/**
 * A DocStore over IndexedDB, in the shape y-indexeddb uses for Yjs: every
 * applied update is appended as one record (`updates`, keyed [doc, id]), and
 * a compaction writes one state record (`docs`) and deletes the records it
 * includes in the same transaction. Local changes wait in `outbox` (keyed
 * [doc, counter]) until the relay acknowledges them; an ack drops them in the
 * transaction that appends their records. The counters live in their own
 * small `meta` record, so an append never rewrites (or reads) the state.
 * Only ciphertext reaches this store: envelopes are sealed with the document
 * key, records and states with the device's local key. Counters never move
 * backwards, whatever order writes land in.
 */
import type { DocId } from '../ids.ts';
import { chainHeadOf, emptyMeta, mergeMeta, ownBytes, type DocStore, type LoadedDoc, type OutboxEntry, type SyncMeta, type UpdateRecord } from '../sync/doc-store.ts';
import { request, Stores, transact } from './idb.ts';

/** The `docs` record of one document (version 1 kept its only copy of the counters here). */
interface DocRecord extends SyncMeta {
  readonly state: Uint8Array | null;
}

const isMeta = (v: unknown): v is SyncMeta => typeof v === 'object' && v !== null && typeof (v as SyncMeta).myCounter === 'number' && typeof (v as SyncMeta).maxSeenSeq === 'number';
const isDocRecord = (v: unknown): v is DocRecord => isMeta(v) && 'state' in v;
const metaOf = (v: SyncMeta): SyncMeta => {
  const chainHead = chainHeadOf(v.chainHead);
  return { myCounter: v.myCounter, maxSeenSeq: v.maxSeenSeq, ...(chainHead ? { chainHead } : {}) };
};

export class IdbDocStore implements DocStore {
  private readonly db: IDBDatabase;
  readonly doc: DocId;

  constructor(db: IDBDatabase, doc: DocId) {
    this.db = db;
    this.doc = doc;
  }

  /** Keys [doc, n] for n in [from, to]. */
  private range(from = 0, to = Number.MAX_SAFE_INTEGER): IDBKeyRange {
    return IDBKeyRange.bound([this.doc, from], [this.doc, to]);
  }

  async load(): Promise<LoadedDoc> {
    return transact(this.db, [Stores.Docs, Stores.Meta, Stores.Outbox, Stores.Updates], 'readonly', async (tx) => {
      const [rec, meta, outboxKeys, envelopes, updateKeys, records] = await Promise.all([
        request(tx.objectStore(Stores.Docs).get(this.doc)) as Promise<unknown>,
        request(tx.objectStore(Stores.Meta).get(this.doc)) as Promise<unknown>,
        request(tx.objectStore(Stores.Outbox).getAllKeys(this.range())),
        request(tx.objectStore(Stores.Outbox).getAll(this.range())) as Promise<unknown[]>,
        request(tx.objectStore(Stores.Updates).getAllKeys(this.range())),
        request(tx.objectStore(Stores.Updates).getAll(this.range())) as Promise<unknown[]>,
      ]);
      const second = (k: IDBValidKey): number => (k as [string, number])[1];
      const outbox: OutboxEntry[] = outboxKeys.map((k, i) => ({ counter: second(k), envelope: envelopes[i] as Uint8Array }));
      const updates: UpdateRecord[] = updateKeys.map((k, i) => ({ id: second(k), sealed: records[i] as Uint8Array }));
      const r = isDocRecord(rec) ? rec : undefined;
      const m = isMeta(meta) ? meta : undefined;
      return { state: r?.state ?? null, updates, meta: r || m ? mergeMeta(r ? metaOf(r) : null, m ? metaOf(m) : emptyMeta) : null, outbox };
    });
  }

  async putOutbox(entry: OutboxEntry): Promise<void> {
    await transact(this.db, Stores.Outbox, 'readwrite', (tx) => {
      tx.objectStore(Stores.Outbox).put(ownBytes(entry.envelope), [this.doc, entry.counter]);
    });
  }

  /** Raises the stored counters to at least `meta`; returns what was stored. */
  private async raiseMeta(tx: IDBTransaction, meta: SyncMeta): Promise<SyncMeta> {
    const store = tx.objectStore(Stores.Meta);
    const prev = (await request(store.get(this.doc))) as unknown;
    const next = mergeMeta(isMeta(prev) ? prev : null, meta);
    store.put(next, this.doc);
    return next;
  }

  async append(records: readonly UpdateRecord[], meta: SyncMeta, acked: readonly number[] = []): Promise<void> {
    await transact(this.db, [Stores.Meta, Stores.Outbox, Stores.Updates], 'readwrite', async (tx) => {
      const updates = tx.objectStore(Stores.Updates);
      for (const r of records) updates.put(ownBytes(r.sealed), [this.doc, r.id]);
      const outbox = tx.objectStore(Stores.Outbox);
      for (const c of acked) outbox.delete([this.doc, c]);
      await this.raiseMeta(tx, meta);
    });
  }

  ack(counters: readonly number[], meta: SyncMeta): Promise<void> {
    return this.append([], meta, counters);
  }

  async compact(state: Uint8Array, through: number, meta: SyncMeta): Promise<void> {
    await transact(this.db, [Stores.Docs, Stores.Meta, Stores.Updates], 'readwrite', async (tx) => {
      if (through > 0) tx.objectStore(Stores.Updates).delete(this.range(0, through));
      const docs = tx.objectStore(Stores.Docs);
      // A document from version 1 has its counters only in its state record: read them once.
      const fresh = (await request(tx.objectStore(Stores.Meta).count(this.doc))) === 0;
      const legacy = fresh ? ((await request(docs.get(this.doc))) as unknown) : undefined;
      const m = await this.raiseMeta(tx, isDocRecord(legacy) ? mergeMeta(metaOf(legacy), meta) : meta);
      docs.put({ state: ownBytes(state), ...m } satisfies DocRecord, this.doc);
    });
  }

  /** Removes every record of the document (a deleted chat forgotten on this device). */
  async forget(): Promise<void> {
    await transact(this.db, [Stores.Docs, Stores.Meta, Stores.Outbox, Stores.Updates], 'readwrite', (tx) => {
      tx.objectStore(Stores.Docs).delete(this.doc);
      tx.objectStore(Stores.Meta).delete(this.doc);
      tx.objectStore(Stores.Outbox).delete(this.range());
      tx.objectStore(Stores.Updates).delete(this.range());
    });
  }
}

/** Local changes not yet acknowledged, over every document of the device. */
export function countOutbox(db: IDBDatabase): Promise<number> {
  return transact(db, Stores.Outbox, 'readonly', (tx) => request(tx.objectStore(Stores.Outbox).count()));
}
