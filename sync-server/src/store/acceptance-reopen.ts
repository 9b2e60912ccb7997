/** Acceptance tests for persistent stores: everything survives a close and reopen. */
import { expect, it } from 'vitest';
import { deviceIdFromPublicKey, newWorkspaceId } from '@tendril/crdt-schema/ids';
import type { StoreHarness } from './acceptance.ts';
import { appendMany, docRecord, entry, key } from './acceptance-fixtures.ts';

export function reopenTests(h: StoreHarness): void {
  it('keeps workspaces, revocations, documents, entries, snapshots and blobs across a reopen', async () => {
    let store = await h.open();
    const ws = newWorkspaceId();
    const admin = key();
    const device = deviceIdFromPublicKey(key());
    const record = docRecord(ws);
    const alice = key();
    await store.createWorkspace(ws, [admin], 42);
    await store.revokeDevice(ws, device, 43);
    await store.createDoc(record);
    await appendMany(store, record.doc, alice, 6);
    await store.putSnapshot(record.doc, 3, new Uint8Array([3]));
    await store.prune(record.doc, 3);
    await store.putBlob('k', new Uint8Array([7]), Number.MAX_SAFE_INTEGER);

    store = h.track(await h.reopen!(store));
    expect(await store.getWorkspace(ws)).toEqual({ workspace: ws, admins: [admin], createdAt: 42 });
    expect(await store.isRevoked(ws, device)).toBe(true);
    expect(await store.getDoc(record.doc)).toMatchObject({ head: 6, snapshotSeq: 3, writeKey: record.writeKey });
    expect((await store.readSince(record.doc, 0, 100)).map((e) => e.seq)).toEqual([4, 5, 6]);
    expect(await store.getSnapshot(record.doc)).toEqual({ seq: 3, envelope: new Uint8Array([3]) });
    expect(await store.append(record.doc, entry(alice, 2))).toEqual({ seq: 3, status: 'covered' });
    expect(await store.append(record.doc, entry(alice, 5))).toEqual({ seq: 5, status: 'duplicate' });
    expect(await store.append(record.doc, entry(alice, 7))).toEqual({ seq: 7, status: 'appended' });
    expect(await store.takeBlob('k', 0)).toEqual(new Uint8Array([7]));
  });

  it('finishes queued appends on close', async () => {
    let store = await h.open();
    const record = docRecord();
    await store.createDoc(record);
    const alice = key();
    const pending = [1, 2, 3].map((c) => store.append(record.doc, entry(alice, c)));
    store = h.track(await h.reopen!(store));
    expect((await Promise.all(pending)).map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(await store.head(record.doc)).toBe(3);
  });
}
