/**
 * The browser's cache of fetched attachment blobs, in the device's IndexedDB (`blobs` store): the
 * sealed bytes exactly as the relay stores them, so nothing here is plaintext and opening one still
 * needs the chat's keys. Another device's attachment is fetched once, then shown from here offline.
 * Bounded: past `maxBytes` the least recently stored blobs are dropped.
 */
import type { SealedBlobCache } from '../workspace/attachment-store.ts';
import { request, Stores, transact } from './idb.ts';

interface Row {
  readonly sealed: Uint8Array;
  readonly at: number;
}

const isRow = (v: unknown): v is Row => typeof v === 'object' && v !== null && (v as Row).sealed instanceof Uint8Array && typeof (v as Row).at === 'number';

export function idbBlobCache(db: IDBDatabase, o: { maxBytes?: number; now?: () => number } = {}): SealedBlobCache {
  const maxBytes = o.maxBytes ?? 256 * 1024 * 1024;
  const now = o.now ?? Date.now;

  async function trim(): Promise<void> {
    await transact(db, Stores.Blobs, 'readwrite', async (tx) => {
      const store = tx.objectStore(Stores.Blobs);
      const [keys, rows] = await Promise.all([request(store.getAllKeys()), request(store.getAll())]);
      let total = 0;
      const held = keys.map((k, i) => ({ k, row: rows[i] as unknown })).filter((e): e is { k: IDBValidKey; row: Row } => isRow(e.row));
      for (const e of held) total += e.row.sealed.length;
      for (const e of held.sort((a, b) => a.row.at - b.row.at)) {
        if (total <= maxBytes) break;
        store.delete(e.k);
        total -= e.row.sealed.length;
      }
    });
  }

  return {
    async get(id) {
      const row: unknown = await transact(db, Stores.Blobs, 'readonly', (tx) => request(tx.objectStore(Stores.Blobs).get(id)));
      return isRow(row) ? row.sealed : undefined;
    },
    async put(id, sealed) {
      if (sealed.length > maxBytes) return;
      await transact(db, Stores.Blobs, 'readwrite', (tx) => void tx.objectStore(Stores.Blobs).put({ sealed, at: now() } satisfies Row, id));
      await trim();
    },
  };
}
