/** The recall cache at rest: sealed with the device's local key in its own store, restored after a restart, ignored when it does not open. */
import { describe, expect, it } from 'vitest';
import { loadCrypto } from '@tendril/crdt-schema/crypto';
import type { DeviceId, DocId, WorkspaceId } from '@tendril/crdt-schema/ids';
import { MemoryDocStore } from '@tendril/crdt-schema/sync';
import { EmbeddingCache } from './memory-recall.ts';
import { recallCacheId, recallCacheStore } from './recall-cache-store.ts';

const WORKSPACE = 'W'.repeat(22) as WorkspaceId;
const DEVICE = `${'D'.repeat(42)}A` as DeviceId;

describe('recall cache store', () => {
  it('seals the vectors, restores them, and starts empty when the record does not open', async () => {
    const crypto = await loadCrypto();
    const stores = new Map<DocId, MemoryDocStore>();
    const storeFor = (d: DocId) => stores.get(d) ?? (stores.set(d, new MemoryDocStore()), stores.get(d)!);
    const localKey = crypto.randomBytes(32);
    const home = { crypto, workspace: WORKSPACE, device: DEVICE, localKey, storeFor };
    const vector = Float32Array.from([0.125, -0.5, 0.75, 0.3]);
    const cache = new EmbeddingCache();
    cache.set('fake/embed', 'message-1', 'my dog is called Rex', vector);
    await recallCacheStore(home).save(cache);
    expect(cache.changed).toBe(false);

    const state = (await storeFor(recallCacheId(crypto, WORKSPACE, DEVICE)).load()).state!;
    expect(state).not.toBeNull();
    const bytes = Buffer.from(state);
    expect(bytes.includes(Buffer.from(vector.buffer))).toBe(false);
    expect(bytes.includes(Buffer.from('fake/embed'))).toBe(false);

    const restored = new EmbeddingCache();
    expect(await recallCacheStore(home).load(restored)).toBe(1);
    expect(Array.from(restored.get('fake/embed', 'message-1', 'my dog is called Rex')!)).toEqual(Array.from(vector));
    expect(restored.get('fake/embed', 'message-1', 'my dog is called Max')).toBeUndefined();

    expect(await recallCacheStore({ ...home, localKey: crypto.randomBytes(32) }).load(new EmbeddingCache())).toBe(0);
    state[state.length - 1]! ^= 1;
    expect(await recallCacheStore(home).load(new EmbeddingCache())).toBe(0);
  });
});
