/** Acceptance tests: content-addressed blobs per workspace (attachments, backup chunks and manifests). */
import { createHash, randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { newWorkspaceId } from '@tendril/crdt-schema/ids';
import { BlobKind } from '@tendril/crdt-schema/wire';
import type { StoreHarness } from './acceptance.ts';
import type { RelayStore, StoredBlobInfo } from './types.ts';
import { key } from './acceptance-fixtures.ts';

const idOf = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

async function put(store: RelayStore, ws: ReturnType<typeof newWorkspaceId>, data: Uint8Array, kind: BlobKind = BlobKind.Attachment, owner = key(), storedAt = 1000) {
  const info: StoredBlobInfo = { id: idOf(data), kind, size: data.length, storedAt, owner };
  return { info, result: await store.putStoredBlob(ws, info, data) };
}

export function storedBlobTests(h: StoreHarness): void {
  it('stores a blob once under its id, reads it whole and in ranges, and keeps the first owner', async () => {
    const store = await h.open();
    const ws = newWorkspaceId();
    const data = new Uint8Array(randomBytes(5000));
    const { info, result } = await put(store, ws, data);
    expect(result).toBe('stored');
    expect(await store.getStoredBlobInfo(ws, info.id)).toEqual(info);
    expect(await store.readStoredBlob(ws, info.id, 0, 10_000)).toEqual(data);
    expect(await store.readStoredBlob(ws, info.id, 4000, 600)).toEqual(data.slice(4000, 4600));
    expect(await store.readStoredBlob(ws, info.id, 4900, 600)).toEqual(data.slice(4900));
    expect(await store.readStoredBlob(ws, info.id, 5000, 10)).toEqual(new Uint8Array(0));
    const again = await put(store, ws, data, BlobKind.Attachment, key(), 2000);
    expect(again.result).toBe('exists');
    expect(await store.getStoredBlobInfo(ws, info.id)).toEqual(info);
  });

  it('keeps workspaces apart', async () => {
    const store = await h.open();
    const [a, b] = [newWorkspaceId(), newWorkspaceId()];
    const { info } = await put(store, a, new Uint8Array([1, 2, 3]));
    expect(await store.getStoredBlobInfo(b, info.id)).toBeUndefined();
    expect(await store.readStoredBlob(b, info.id, 0, 10)).toBeUndefined();
    expect(await store.hasStoredBlobs(b, [info.id])).toEqual([false]);
    expect(await store.deleteStoredBlob(b, info.id)).toBe(false);
    expect(await store.hasStoredBlobs(a, [info.id])).toEqual([true]);
  });

  it('answers has for many ids in the order asked', async () => {
    const store = await h.open();
    const ws = newWorkspaceId();
    const x = await put(store, ws, new Uint8Array([1]));
    const z = await put(store, ws, new Uint8Array([3]));
    expect(await store.hasStoredBlobs(ws, [x.info.id, idOf(new Uint8Array([2])), z.info.id])).toEqual([true, false, true]);
    expect(await store.hasStoredBlobs(ws, [])).toEqual([]);
  });

  it('lists one kind by id in pages, without the others', async () => {
    const store = await h.open();
    const ws = newWorkspaceId();
    const manifests = [];
    for (let i = 0; i < 5; i++) manifests.push((await put(store, ws, new Uint8Array([9, i]), BlobKind.BackupManifest, key(), 100 + i)).info);
    await put(store, ws, new Uint8Array([8]), BlobKind.BackupChunk);
    await put(store, ws, new Uint8Array([7]), BlobKind.Attachment);
    const sorted = [...manifests].sort((a, b) => (a.id < b.id ? -1 : 1));
    const first = await store.listStoredBlobs(ws, BlobKind.BackupManifest, '', 3);
    expect(first).toEqual(sorted.slice(0, 3));
    const rest = await store.listStoredBlobs(ws, BlobKind.BackupManifest, first[2]!.id, 3);
    expect(rest).toEqual(sorted.slice(3));
    expect((await store.listStoredBlobs(ws, BlobKind.BackupChunk, '', 10)).map((i) => i.size)).toEqual([1]);
  });

  it('deletes a blob (then it reads as absent, lists no more and counts no more)', async () => {
    const store = await h.open();
    const ws = newWorkspaceId();
    const { info } = await put(store, ws, new Uint8Array(700), BlobKind.BackupManifest);
    const before = (await store.workspaceUsage(ws)).bytes;
    expect(before).toBe(700);
    expect(await store.deleteStoredBlob(ws, info.id)).toBe(true);
    expect(await store.deleteStoredBlob(ws, info.id)).toBe(false);
    expect(await store.readStoredBlob(ws, info.id, 0, 10)).toBeUndefined();
    expect(await store.listStoredBlobs(ws, BlobKind.BackupManifest, '', 10)).toEqual([]);
    expect((await store.workspaceUsage(ws)).bytes).toBe(0);
    expect((await put(store, ws, new Uint8Array(700), BlobKind.BackupManifest)).result).toBe('stored');
  });

  it('counts stored blob bytes in the workspace usage, once per id', async () => {
    const store = await h.open();
    const ws = newWorkspaceId();
    await put(store, ws, new Uint8Array(300));
    await put(store, ws, new Uint8Array(300));
    await put(store, ws, new Uint8Array(200).fill(1));
    expect(await store.workspaceUsage(ws)).toMatchObject({ bytes: 500, blobs: 0 });
  });
}

/** For persistent stores: stored blobs survive a reopen. */
export function storedBlobReopenTests(h: StoreHarness): void {
  it('keeps stored blobs across a reopen', async () => {
    let store = await h.open();
    const ws = newWorkspaceId();
    const data = new Uint8Array(randomBytes(3000));
    const { info } = await put(store, ws, data, BlobKind.BackupChunk);
    store = h.track(await h.reopen!(store));
    expect(await store.getStoredBlobInfo(ws, info.id)).toEqual(info);
    expect(await store.readStoredBlob(ws, info.id, 0, 3000)).toEqual(data);
    expect(await store.listStoredBlobs(ws, BlobKind.BackupChunk, '', 10)).toEqual([info]);
    expect((await store.workspaceUsage(ws)).bytes).toBe(3000);
  });
}
