/**
 * Where a device keeps its message search index (message-index.ts) between
 * visits: one record in the device's own local store (IndexedDB in the
 * browser, SQLite in a worker home), sealed with the device's local key
 * (XChaCha20-Poly1305, associated data naming the workspace and the record)
 * like every other local record, under an id derived from the workspace and
 * the device that no DocSync ever opens, so it is never sent to the relay.
 * A record that does not open (another key, tampering, an old layout) is
 * ignored: the index is built again from the chats.
 */
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import { toBase64Url, type DeviceId, type DocId, type WorkspaceId } from '@tendril/crdt-schema/ids';
import { emptyMeta, type DocStore } from '@tendril/crdt-schema/sync';
import { MessageIndex } from './message-index.ts';

const NONCE = 24;

export interface MessageIndexHome {
  readonly crypto: CryptoProvider;
  readonly workspace: WorkspaceId;
  readonly device: DeviceId;
  readonly localKey: Uint8Array;
  readonly storeFor: (doc: DocId) => DocStore;
}

/** The local-only record id of a device's message index (never a relay document). */
export function messageIndexId(crypto: CryptoProvider, workspace: WorkspaceId, device: DeviceId): DocId {
  return toBase64Url(crypto.hash(new TextEncoder().encode(`tendril/local/message-index/${workspace}/${device}`), 16)) as DocId;
}

export function messageIndexStore(h: MessageIndexHome) {
  const id = messageIndexId(h.crypto, h.workspace, h.device);
  const ad = new TextEncoder().encode(`tendril/local/message-index/${h.workspace}`);
  const store = h.storeFor(id);
  return {
    id,
    /** The saved index, or an empty one when there is none or it does not open. */
    async load(): Promise<MessageIndex> {
      const { state } = await store.load();
      if (!state || state.length <= NONCE) return new MessageIndex();
      const plain = h.crypto.aeadOpen(state.subarray(NONCE), ad, state.subarray(0, NONCE), h.localKey);
      return plain ? MessageIndex.restore(plain) : new MessageIndex();
    },
    /** Seals and saves the index when it changed since the last save. */
    async save(index: MessageIndex): Promise<void> {
      if (!index.changed) return;
      index.changed = false;
      const nonce = h.crypto.randomBytes(NONCE);
      const ct = h.crypto.aeadSeal(await index.export(), ad, nonce, h.localKey);
      const sealed = new Uint8Array(NONCE + ct.length);
      sealed.set(nonce);
      sealed.set(ct, NONCE);
      await store.compact(sealed, 0, emptyMeta);
    },
  };
}

export type MessageIndexStore = ReturnType<typeof messageIndexStore>;
