/** Acceptance tests: one-time blobs with expiry. */
import { expect, it } from 'vitest';
import type { StoreHarness } from './acceptance.ts';

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

export function blobTests(h: StoreHarness): void {
  it('hands a blob out once', async () => {
    const store = await h.open();
    await store.putBlob('invite/1', bytes(1, 2, 3), 10_000);
    expect(await store.takeBlob('invite/1', 5_000)).toEqual(bytes(1, 2, 3));
    expect(await store.takeBlob('invite/1', 5_000)).toBeUndefined();
    expect(await store.takeBlob('invite/none', 5_000)).toBeUndefined();
  });

  it('does not hand out an expired blob', async () => {
    const store = await h.open();
    await store.putBlob('k', bytes(9), 10_000);
    expect(await store.takeBlob('k', 10_000)).toBeUndefined();
    expect((await store.stats()).blobs).toBe(0);
  });

  it('replaces a blob put again under the same key', async () => {
    const store = await h.open();
    await store.putBlob('k', bytes(1), 10_000);
    await store.putBlob('k', bytes(2), 20_000);
    expect(await store.takeBlob('k', 15_000)).toEqual(bytes(2));
  });

  it('expires blobs in bulk', async () => {
    const store = await h.open();
    await store.putBlob('a', bytes(1), 100);
    await store.putBlob('b', bytes(2), 200);
    await store.putBlob('c', bytes(3), 300);
    expect(await store.expireBlobs(200)).toBe(2);
    expect((await store.stats()).blobs).toBe(1);
    expect(await store.takeBlob('c', 250)).toEqual(bytes(3));
  });
}
