/**
 * The device's IndexedDB database and small promise helpers over the raw API.
 * One database per origin holds everything the browser keeps: the wrapping
 * key and the wrapped device record (`device`), the sealed document states
 * (`docs`), the sealed update records appended after them (`updates`), the
 * small per-document counters (`meta`) and the outbox of sealed envelopes
 * (`outbox`) and the sealed attachment blobs fetched from the relay (`blobs`). No record holds plaintext: see browser-home.ts and
 * idb-doc-store.ts.
 *
 * Versions: 1 had no `updates` and no `meta` store (its counters lived only in
 * the `docs` record); the upgrade to 2 adds both and keeps every record, so a
 * version-1 state loads as a compacted state with no records after it. Version 3 adds `blobs`.
 */

export const DB_NAME = 'tendril';
export const DB_VERSION = 3;

/** Object store names. */
export const Stores = {
  /** Key 'wrap' → non-extractable AES-GCM CryptoKey; 'home' → wrapped home record; 'lock' → wrapped vault key sealed under a passphrase. */
  Device: 'device',
  /** Key doc id → { state: sealed local state | null, myCounter, maxSeenSeq }. */
  Docs: 'docs',
  /** Key [doc id, counter] → sealed envelope bytes. */
  Outbox: 'outbox',
  /** Key [doc id, record id] → one sealed update record appended after the doc's state (since version 2). */
  Updates: 'updates',
  /** Key doc id → { myCounter, maxSeenSeq }, written with every append so the state record is not rewritten (since version 2). */
  Meta: 'meta',
  /** Key blob id (hex) → { sealed: attachment bytes as stored at the relay, at: ms last stored } (since version 3). */
  Blobs: 'blobs',
} as const;
export type StoreName = (typeof Stores)[keyof typeof Stores];

/** Opens (creating or upgrading) the database through the given factory (window.indexedDB or fake-indexeddb). */
export function openDatabase(factory: IDBFactory, name: string = DB_NAME): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = factory.open(name, DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(Stores.Device)) db.createObjectStore(Stores.Device);
      if (!db.objectStoreNames.contains(Stores.Docs)) db.createObjectStore(Stores.Docs);
      if (!db.objectStoreNames.contains(Stores.Outbox)) db.createObjectStore(Stores.Outbox);
      if (!db.objectStoreNames.contains(Stores.Updates)) db.createObjectStore(Stores.Updates);
      if (!db.objectStoreNames.contains(Stores.Meta)) db.createObjectStore(Stores.Meta);
      if (!db.objectStoreNames.contains(Stores.Blobs)) db.createObjectStore(Stores.Blobs);
    };
    req.onsuccess = () => {
      // Another tab upgrading the database waits for this connection: let it go.
      req.result.onversionchange = () => req.result.close();
      resolve(req.result);
    };
    req.onerror = () => reject(req.error ?? new Error('IndexedDB open failed'));
    req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab holding an older version'));
  });
}

/** Deletes the whole database (device reset). */
export function deleteDatabase(factory: IDBFactory, name: string = DB_NAME): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = factory.deleteDatabase(name);
    req.onsuccess = () => resolve();
    req.onerror = () => reject(req.error ?? new Error('IndexedDB delete failed'));
    req.onblocked = () => resolve();
  });
}

/** The result of one request. */
export function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

/**
 * Runs `body` in one transaction and resolves once the transaction committed
 * (`complete`), with the value `body`'s promise settled to. `body` must issue
 * its requests synchronously or chained on request results, so the
 * transaction stays active. `strict` durability asks the browser to flush to
 * disk before reporting completion.
 */
export function transact<T>(
  db: IDBDatabase,
  stores: StoreName | StoreName[],
  mode: IDBTransactionMode,
  body: (tx: IDBTransaction) => Promise<T> | T,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const tx = mode === 'readwrite' ? db.transaction(stores, mode, { durability: 'strict' }) : db.transaction(stores, mode);
    let result: T;
    let failed: unknown = null;
    tx.oncomplete = () => (failed === null ? resolve(result) : reject(failed));
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(failed ?? tx.error ?? new Error('IndexedDB transaction aborted'));
    const abort = (e: unknown): void => {
      failed = e;
      try {
        tx.abort();
      } catch {
        // already finished
      }
    };
    try {
      Promise.resolve(body(tx)).then((r) => {
        result = r;
      }, abort);
    } catch (e) {
      abort(e);
    }
  });
}
