/**
 * The app's Argon2id, run in a Web Worker (pwhash.worker.ts) so backup,
 * restore, lock and unlock never freeze the page. One worker is started on
 * first use and kept; if the browser cannot start it, the caller's fallback
 * (the main thread) is used instead.
 */
import type { AsyncPwhash } from '@tendril/crdt-schema/crypto';
import { TendrilError } from '@tendril/crdt-schema/errors';

let worker: Worker | null = null;
let nextId = 1;
const waiting = new Map<number, { resolve(key: Uint8Array): void; reject(e: Error): void }>();

function start(): Worker {
  const w = new Worker(new URL('./pwhash.worker.ts', import.meta.url), { type: 'module' });
  w.onmessage = (event: MessageEvent<{ id: number; key?: Uint8Array; error?: string }>) => {
    const { id, key, error } = event.data;
    const p = waiting.get(id);
    waiting.delete(id);
    if (key) p?.resolve(key);
    else p?.reject(new TendrilError('E_BAD_INPUT', `Argon2id failed: ${error ?? 'no key'}`));
  };
  w.onerror = (event) => {
    for (const p of waiting.values()) p.reject(new TendrilError('E_BAD_INPUT', `the Argon2id worker failed: ${event.message}`));
    waiting.clear();
    worker = null;
  };
  return w;
}

/** Argon2id in the worker; undefined where workers are not available (the core then runs it in place). */
export function workerPwhash(): AsyncPwhash | undefined {
  if (typeof Worker === 'undefined') return undefined;
  return (passphrase, salt, params, length) =>
    new Promise<Uint8Array>((resolve, reject) => {
      worker ??= start();
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      worker.postMessage({ id, passphrase: passphrase.slice(), salt, params, length });
    });
}
