/**
 * Looking for plaintext where only ciphertext may be: every file of the
 * relay's data directory, and every key and value of the app's IndexedDB
 * database, searched for a canary string's UTF-8 bytes (or, in files, raw bytes).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

/** Files under `dir` holding the canary: a string's UTF-8 bytes, or raw bytes (an image's). */
export function filesContaining(dir: string, canary: string | Uint8Array): string[] {
  const needle = typeof canary === 'string' ? Buffer.from(canary, 'utf8') : Buffer.from(canary);
  const hits: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) hits.push(...filesContaining(path, canary));
    else if (readFileSync(path).includes(needle)) hits.push(path);
  }
  return hits;
}

/** Every record of the app's IndexedDB, as base64 of its bytes (or of its JSON for structured values). */
export async function dumpIndexedDb(page: Page): Promise<{ store: string; count: number; values: string[] }[]> {
  return page.evaluate(async () => {
    const b64 = (u: Uint8Array) => {
      let s = '';
      for (let i = 0; i < u.length; i += 0x8000) s += String.fromCharCode(...u.subarray(i, i + 0x8000));
      return btoa(s);
    };
    const flat = (v: unknown): string => {
      if (v instanceof Uint8Array) return b64(v);
      if (v instanceof ArrayBuffer) return b64(new Uint8Array(v));
      if (typeof CryptoKey !== 'undefined' && v instanceof CryptoKey) return b64(new TextEncoder().encode('[CryptoKey]'));
      const json = JSON.stringify(v, (_k, x: unknown) => (x instanceof Uint8Array ? `bytes:${b64(x)}` : x));
      return b64(new TextEncoder().encode(json ?? String(v)));
    };
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const r = indexedDB.open('tendril');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const out: { store: string; count: number; values: string[] }[] = [];
    for (const store of Array.from(db.objectStoreNames)) {
      const tx = db.transaction(store, 'readonly');
      const [keys, values] = await Promise.all([
        new Promise<IDBValidKey[]>((res) => (tx.objectStore(store).getAllKeys().onsuccess = (e) => res((e.target as IDBRequest<IDBValidKey[]>).result))),
        new Promise<unknown[]>((res) => (tx.objectStore(store).getAll().onsuccess = (e) => res((e.target as IDBRequest<unknown[]>).result))),
      ]);
      out.push({ store, count: values.length, values: [...keys.map(flat), ...values.map(flat)] });
    }
    db.close();
    return out;
  });
}

/** Decodes dumped values, and the `bytes:` fields inside JSON ones, and says which contain the canary. */
export function recordsContaining(dump: { store: string; values: string[] }[], canary: string): string[] {
  const needle = Buffer.from(canary, 'utf8');
  const hits: string[] = [];
  for (const { store, values } of dump) {
    for (const v of values) {
      const bytes = Buffer.from(v, 'base64');
      const inner = [...bytes.toString('utf8').matchAll(/bytes:([A-Za-z0-9+/=]+)/g)].map((m) => Buffer.from(m[1]!, 'base64'));
      if (bytes.includes(needle) || inner.some((b) => b.includes(needle))) hits.push(store);
    }
  }
  return hits;
}
