/** Acceptance tests: workspaces, revocations and the document registry. */
import { expect, it } from 'vitest';
import { isTendrilError } from '@tendril/crdt-schema/errors';
import { deviceIdFromPublicKey, newDocId, newWorkspaceId } from '@tendril/crdt-schema/ids';
import type { StoreHarness } from './acceptance.ts';
import { docRecord, key } from './acceptance-fixtures.ts';
import { MAX_RETIRED_CAPS } from './retired-caps.ts';

export function registryTests(h: StoreHarness): void {
  it('creates a workspace once: the first registration wins', async () => {
    const store = await h.open();
    const ws = newWorkspaceId();
    const admins = [key(), key()];
    expect(await store.countWorkspaces()).toBe(0);
    const first = await store.createWorkspace(ws, admins, 1000);
    expect(await store.countWorkspaces()).toBe(1);
    expect(first.admins).toEqual(admins);
    const second = await store.createWorkspace(ws, [key()], 2000);
    expect(second.admins).toEqual(admins);
    expect(second.createdAt).toBe(1000);
    expect((await store.getWorkspace(ws))?.admins).toEqual(admins);
    expect(await store.getWorkspace(newWorkspaceId())).toBeUndefined();
  });

  it('adds admin keys to an existing workspace only, once each', async () => {
    const store = await h.open();
    const ws = newWorkspaceId();
    const first = key();
    await store.createWorkspace(ws, [first], 1000);
    const added = key();
    expect(await store.addAdmin(ws, added)).toBe(true);
    expect(await store.addAdmin(ws, added)).toBe(true);
    expect((await store.getWorkspace(ws))?.admins).toEqual([first, added]);
    expect(await store.addAdmin(newWorkspaceId(), key())).toBe(false);
  });

  it('records revocations per workspace, idempotently', async () => {
    const store = await h.open();
    const [a, b] = [newWorkspaceId(), newWorkspaceId()];
    const device = deviceIdFromPublicKey(key());
    expect(await store.isRevoked(a, device)).toBe(false);
    await store.revokeDevice(a, device, 5);
    await store.revokeDevice(a, device, 6);
    expect(await store.isRevoked(a, device)).toBe(true);
    expect(await store.isRevoked(b, device)).toBe(false);
  });

  it('registers a document once and reports an empty log', async () => {
    const store = await h.open();
    const record = docRecord();
    const state = await store.createDoc(record);
    expect(state).toMatchObject({ doc: record.doc, workspace: record.workspace, head: 0, snapshotSeq: 0 });
    expect(state.writeKey).toEqual(record.writeKey);
    const again = await store.createDoc({ ...record, writeKey: key(), readKey: key() });
    expect(again.writeKey).toEqual(record.writeKey);
    expect(again.readKey).toEqual(record.readKey);
    expect(await store.getDoc(newDocId())).toBeUndefined();
    expect(await store.head(newDocId())).toBe(0);
  });

  it('copies the keys it is given', async () => {
    const store = await h.open();
    const record = docRecord();
    const original = record.writeKey.slice();
    await store.createDoc(record);
    record.writeKey.fill(0);
    expect((await store.getDoc(record.doc))?.writeKey).toEqual(original);
  });

  it('replaces capability keys with setCaps', async () => {
    const store = await h.open();
    const record = docRecord();
    await store.createDoc(record);
    const [w, r, reader] = [key(), key(), key()];
    expect(await store.setCaps(record.doc, { writeKey: w, readKey: r, readers: [reader] })).toBe(true);
    const state = await store.getDoc(record.doc);
    expect(state?.writeKey).toEqual(w);
    expect(state?.readKey).toEqual(r);
    expect(state?.retired).toEqual([{ writeKey: record.writeKey, readKey: record.readKey, readers: [reader] }]);
    expect(await store.setCaps(newDocId(), { writeKey: w, readKey: r, readers: [] })).toBe(false);
  });

  it("reports a workspace's usage: documents, bytes of entries, snapshots and blobs, and blobs", async () => {
    const store = await h.open();
    const record = docRecord();
    const ws = record.workspace;
    expect(await store.workspaceUsage(ws)).toEqual({ docs: 0, bytes: 0, blobs: 0 });
    await store.createDoc(record);
    await store.createDoc({ ...docRecord(), workspace: newWorkspaceId() });
    await store.append(record.doc, { author: key(), counter: 1, envelope: new Uint8Array(100) });
    await store.append(record.doc, { author: key(), counter: 1, envelope: new Uint8Array(50) });
    await store.putSnapshot(record.doc, 2, new Uint8Array(30));
    await store.putBlob(`${ws}/a`, new Uint8Array(7), Date.now() + 60_000);
    await store.putBlob(`${newWorkspaceId()}/a`, new Uint8Array(9), Date.now() + 60_000);
    expect(await store.workspaceUsage(ws)).toEqual({ docs: 1, bytes: 187, blobs: 1 });
  });

  it('enrols members, one device per invite', async () => {
    const store = await h.open();
    const ws = newWorkspaceId();
    const [a, b, c] = [key(), key(), key()];
    expect(await store.isMember(ws, a)).toBe(false);
    expect(await store.enrolDevice(ws, a)).toBe('enrolled');
    expect(await store.isMember(ws, a)).toBe(true);
    expect(await store.isMember(newWorkspaceId(), a)).toBe(false);
    expect(await store.enrolDevice(ws, b, 'inv1')).toBe('enrolled');
    expect(await store.enrolDevice(ws, b, 'inv1'), 'the same device again').toBe('enrolled');
    expect(await store.enrolDevice(ws, c, 'inv1')).toBe('invite-used');
    expect(await store.isMember(ws, c)).toBe(false);
    expect(await store.enrolDevice(newWorkspaceId(), c, 'inv1'), 'invite ids are per workspace').toBe('enrolled');
  });

  it('finds the workspaces a key is enrolled in (the Locate lookup), and none for a refused enrolment', async () => {
    const store = await h.open();
    const [ws1, ws2] = [newWorkspaceId(), newWorkspaceId()];
    const [a, b, c] = [key(), key(), key()];
    expect(await store.workspacesOfMember(a)).toEqual([]);
    await store.enrolDevice(ws1, a);
    await store.enrolDevice(ws1, a);
    await store.enrolDevice(ws2, a);
    await store.enrolDevice(ws2, b, 'inv1');
    expect(await store.enrolDevice(ws2, c, 'inv1')).toBe('invite-used');
    expect((await store.workspacesOfMember(a)).sort()).toEqual([ws1, ws2].sort());
    expect(await store.workspacesOfMember(b)).toEqual([ws2]);
    expect(await store.workspacesOfMember(c), 'the invite was used by another device').toEqual([]);
  });

  it('remembers the newest replaced capability keys, newest first and bounded', async () => {
    const store = await h.open();
    const record = docRecord();
    await store.createDoc(record);
    expect((await store.getDoc(record.doc))?.retired).toEqual([]);
    const pairs = Array.from({ length: MAX_RETIRED_CAPS + 2 }, () => ({ writeKey: key(), readKey: key(), readers: [key(), key()] }));
    for (const p of pairs) await store.setCaps(record.doc, p);
    const retired = (await store.getDoc(record.doc))!.retired;
    expect(retired).toHaveLength(MAX_RETIRED_CAPS);
    expect(retired[0]).toEqual({ ...pairs.at(-2)!, readers: pairs.at(-1)!.readers });
  });

  it('counts what it holds', async () => {
    const store = await h.open();
    const record = docRecord();
    await store.createWorkspace(record.workspace, [key()], 1);
    await store.createDoc(record);
    await store.append(record.doc, { author: key(), counter: 1, envelope: new Uint8Array([1]) });
    await store.putBlob('k', new Uint8Array([1]), Number.MAX_SAFE_INTEGER);
    expect(await store.stats()).toEqual({ workspaces: 1, docs: 1, entries: 1, blobs: 1 });
  });

  it('rejects calls after close', async () => {
    const store = await h.open();
    await store.close();
    await expect(store.getDoc(newDocId())).rejects.toSatisfy((e) => isTendrilError(e, 'E_STORE_FAILED'));
    await expect(store.append(newDocId(), { author: key(), counter: 1, envelope: new Uint8Array(1) })).rejects.toSatisfy((e) =>
      isTendrilError(e, 'E_STORE_FAILED'),
    );
  });
}
