/**
 * A DocStore over IndexedDB, in the shape y-indexeddb uses for Yjs: local
 * changes are appended (one outbox record per sealed envelope, keyed
 * [doc, counter]) and the document is periodically compacted into one state
 * record (the sealed local state DocSync hands to `saveState`); acknowledged
 * envelopes are dropped in the same transaction that records their counters.
 * Only ciphertext reaches this store: envelopes are sealed with the document
 * key, states with the device's local key. Counters in the meta never move
 * backwards, whatever order writes land in.
 */
import type { DocId } from '../ids.ts';
import type { DocStore, LoadedDoc, OutboxEntry, SyncMeta } from '../sync/doc-store.ts';
import { request, Stores, transact } from './idb.ts';

/** The `docs` record of one document. */
interface DocRecord {
  readonly state: Uint8Array | null;
  readonly myCounter: number;
  readonly maxSeenSeq: number;
}

const isDocRecord = (v: unknown): v is DocRecord =>
  typeof v === 'object' && v !== null && typeof (v as DocRecord).myCounter === 'number' && typeof (v as DocRecord).maxSeenSeq === 'number';

/** Copies into a standalone Uint8Array (views into larger buffers would store the whole buffer). */
const own = (bytes: Uint8Array): Uint8Array => (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice());

function merged(prev: DocRecord | undefined, meta: SyncMeta, state: Uint8Array | null | undefined): DocRecord {
  return {
    state: state === undefined ? (prev?.state ?? null) : state,
    myCounter: Math.max(prev?.myCounter ?? 0, meta.myCounter),
    maxSeenSeq: Math.max(prev?.maxSeenSeq ?? 0, meta.maxSeenSeq),
  };
}

export class IdbDocStore implements DocStore {
  private readonly db: IDBDatabase;
  readonly doc: DocId;

  constructor(db: IDBDatabase, doc: DocId) {
    this.db = db;
    this.doc = doc;
  }

  private outboxRange(): IDBKeyRange {
    return IDBKeyRange.bound([this.doc, 0], [this.doc, Number.MAX_SAFE_INTEGER]);
  }

  async load(): Promise<LoadedDoc> {
    return transact(this.db, [Stores.Docs, Stores.Outbox], 'readonly', async (tx) => {
      const [rec, keys, values] = await Promise.all([
        request(tx.objectStore(Stores.Docs).get(this.doc)) as Promise<unknown>,
        request(tx.objectStore(Stores.Outbox).getAllKeys(this.outboxRange())),
        request(tx.objectStore(Stores.Outbox).getAll(this.outboxRange())) as Promise<unknown[]>,
      ]);
      const outbox: OutboxEntry[] = keys.map((k, i) => ({ counter: (k as [string, number])[1], envelope: values[i] as Uint8Array }));
      const r = isDocRecord(rec) ? rec : undefined;
      return { state: r?.state ?? null, meta: r ? { myCounter: r.myCounter, maxSeenSeq: r.maxSeenSeq } : null, outbox };
    });
  }

  async putOutbox(entry: OutboxEntry): Promise<void> {
    await transact(this.db, Stores.Outbox, 'readwrite', (tx) => {
      tx.objectStore(Stores.Outbox).put(own(entry.envelope), [this.doc, entry.counter]);
    });
  }

  async ack(counters: readonly number[], meta: SyncMeta): Promise<void> {
    await transact(this.db, [Stores.Docs, Stores.Outbox], 'readwrite', async (tx) => {
      const outbox = tx.objectStore(Stores.Outbox);
      for (const c of counters) outbox.delete([this.doc, c]);
      const docs = tx.objectStore(Stores.Docs);
      const prev = (await request(docs.get(this.doc))) as unknown;
      docs.put(merged(isDocRecord(prev) ? prev : undefined, meta, undefined), this.doc);
    });
  }

  async saveState(state: Uint8Array, meta: SyncMeta): Promise<void> {
    await transact(this.db, Stores.Docs, 'readwrite', async (tx) => {
      const docs = tx.objectStore(Stores.Docs);
      const prev = (await request(docs.get(this.doc))) as unknown;
      docs.put(merged(isDocRecord(prev) ? prev : undefined, meta, own(state)), this.doc);
    });
  }

  /** Removes every record of the document (a deleted chat forgotten on this device). */
  async forget(): Promise<void> {
    await transact(this.db, [Stores.Docs, Stores.Outbox], 'readwrite', (tx) => {
      tx.objectStore(Stores.Docs).delete(this.doc);
      tx.objectStore(Stores.Outbox).delete(this.outboxRange());
    });
  }
}

/** Local changes not yet acknowledged, over every document of the device. */
export function countOutbox(db: IDBDatabase): Promise<number> {
  return transact(db, Stores.Outbox, 'readonly', (tx) => request(tx.objectStore(Stores.Outbox).count()));
}
