/**
 * Where a runner keeps its recall cache (chat and folder passage vectors,
 * memory-recall.ts) between restarts: one record in the device's own local
 * store (SQLite in a worker home, IndexedDB in the browser), sealed with the
 * device's local key (XChaCha20-Poly1305, associated data naming the
 * workspace and the record) like every other local record, under an id
 * derived from the workspace and the device that no DocSync ever opens, so
 * it is never sent to the relay. A record that does not open (another key,
 * tampering, an old layout) is ignored: the cache starts empty.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import { toBase64Url, type DeviceId, type DocId, type WorkspaceId } from '@tendril/crdt-schema/ids';
import { emptyMeta, type DocStore } from '@tendril/crdt-schema/sync';
import type { EmbeddingCache } from './memory-recall.ts';

const NONCE = 24;
const VERSION = 1;
/** Vectors kept across a restart (the most recently used). */
export const PERSISTED_VECTORS = 5_000;

export interface RecallCacheHome {
  readonly crypto: CryptoProvider;
  readonly workspace: WorkspaceId;
  readonly device: DeviceId;
  readonly localKey: Uint8Array;
  readonly storeFor: (doc: DocId) => DocStore;
}

/** The local-only record id of a device's recall cache (never a relay document). */
export function recallCacheId(crypto: CryptoProvider, workspace: WorkspaceId, device: DeviceId): DocId {
  return toBase64Url(crypto.hash(new TextEncoder().encode(`tendril/local/recall-cache/${workspace}/${device}`), 16)) as DocId;
}

function encode(entries: readonly [string, Float32Array][]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, VERSION);
  encoding.writeVarUint(e, entries.length);
  for (const [k, v] of entries) {
    encoding.writeVarString(e, k);
    encoding.writeVarUint8Array(e, new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }
  return encoding.toUint8Array(e);
}

function decode(bytes: Uint8Array): [string, Float32Array][] {
  const d = decoding.createDecoder(bytes);
  if (decoding.readVarUint(d) !== VERSION) return [];
  const n = decoding.readVarUint(d);
  const out: [string, Float32Array][] = [];
  for (let i = 0; i < n; i++) {
    const k = decoding.readVarString(d);
    const raw = decoding.readVarUint8Array(d);
    if (raw.byteLength % 4 === 0 && raw.byteLength > 0) out.push([k, new Float32Array(raw.slice().buffer)]);
  }
  return out;
}

export function recallCacheStore(h: RecallCacheHome) {
  const id = recallCacheId(h.crypto, h.workspace, h.device);
  const ad = new TextEncoder().encode(`tendril/local/recall-cache/${h.workspace}`);
  const store = h.storeFor(id);
  return {
    /** Restores the sealed vectors into `cache`; how many, 0 when there are none or they do not open. */
    async load(cache: EmbeddingCache): Promise<number> {
      const { state } = await store.load();
      if (!state || state.length <= NONCE) return 0;
      const plain = h.crypto.aeadOpen(state.subarray(NONCE), ad, state.subarray(0, NONCE), h.localKey);
      if (!plain) return 0;
      let entries: [string, Float32Array][];
      try {
        entries = decode(plain);
      } catch {
        return 0;
      }
      cache.restore(entries);
      return entries.length;
    },
    /** Seals and saves the cache when it has new vectors. */
    async save(cache: EmbeddingCache): Promise<void> {
      if (!cache.changed) return;
      cache.changed = false;
      const nonce = h.crypto.randomBytes(NONCE);
      const ct = h.crypto.aeadSeal(encode(cache.entries(PERSISTED_VECTORS)), ad, nonce, h.localKey);
      const sealed = new Uint8Array(NONCE + ct.length);
      sealed.set(nonce);
      sealed.set(ct, NONCE);
      await store.compact(sealed, 0, emptyMeta);
    },
  };
}

export type RecallCacheStore = ReturnType<typeof recallCacheStore>;
