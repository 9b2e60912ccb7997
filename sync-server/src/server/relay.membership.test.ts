/**
 * Integration: only members store anything. A device that proves its key but
 * is neither a registered admin nor enrolled may connect, take a blob (a
 * joiner fetching its invite) and read what a capability opens, but registers
 * no document, holds no write subscription (so appends and snapshots are out)
 * and parks no blob: E_NOT_MEMBER. An admin's Enrol makes it a member; a
 * member's does not.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { newDocId, type WorkspaceId } from '@tendril/crdt-schema/ids';
import { CapMode, enrolBytes, FrameType, type EnrolFrame } from '@tendril/crdt-schema/wire';
import { relayHarness, type TestRelay } from '../testing/harness.ts';
import { testCaps, testKey, type TestKey } from '../testing/keys.ts';
import { barrier, createDoc } from '../testing/docs.ts';
import type { TestClient } from '../testing/test-client.ts';

const h = relayHarness();
afterEach(() => h.cleanup());

/** A device that proved its key to an existing workspace and nothing more. */
async function stranger(relay: TestRelay, workspace: WorkspaceId, device = testKey()): Promise<{ client: TestClient; device: TestKey }> {
  const client = await h.connect(relay);
  expect((await client.hello(device, workspace)).type).toBe(FrameType.Welcome);
  return { client, device };
}

function enrol(workspace: WorkspaceId, device: TestKey, signer: TestKey): EnrolFrame {
  return { type: FrameType.Enrol, workspace, device: device.publicKey, signer: signer.id, token: new Uint8Array(0), signature: signer.sign(enrolBytes(workspace, device.publicKey)) };
}

let ref = 1;
async function putBlob(client: TestClient, key: string) {
  const r = ref++;
  client.send({ type: FrameType.BlobPut, ref: r, key, ttlSeconds: 60, data: new Uint8Array([1, 2, 3]) });
  return client.next((f) => (f.type === FrameType.Blob || f.type === FrameType.Error) && f.ref === r);
}

describe('relay membership', () => {
  it('lets a stranger store nothing: no document, no write subscription, no blob; it may take a blob and read', async () => {
    const relay = await h.start();
    const admin = await h.member(relay);
    const { doc, caps } = await createDoc(admin.client);
    expect(await putBlob(admin.client, 'invite')).toMatchObject({ type: FrameType.Blob, found: true });
    const s = await stranger(relay, admin.workspace);
    const fresh = testCaps();
    const newDoc = newDocId();
    expect(await s.client.subscribe(newDoc, fresh, CapMode.Write, 0, true)).toMatchObject({ code: 'E_NOT_MEMBER' });
    expect(await relay.store.getDoc(newDoc)).toBeUndefined();
    expect(await s.client.subscribe(doc, caps, CapMode.Write)).toMatchObject({ code: 'E_NOT_MEMBER' });
    expect(await putBlob(s.client, 'parked')).toMatchObject({ type: FrameType.Error, code: 'E_NOT_MEMBER' });
    s.client.send({ type: FrameType.BlobTake, ref: 77, key: 'invite' });
    expect(await s.client.next((f) => f.type === FrameType.Blob && f.ref === 77)).toMatchObject({ found: true });
    expect((await s.client.subscribe(doc, caps, CapMode.Read)).type).toBe(FrameType.Subscribed);
    expect((await relay.store.stats()).blobs).toBe(0);
  });

  it("makes a device a member by an admin's Enrol, not by a member's or a forged one", async () => {
    const relay = await h.start();
    const admin = await h.member(relay);
    const member = await h.member(relay, admin.workspace);
    const s = await stranger(relay, admin.workspace);
    member.client.send(enrol(admin.workspace, s.device, member.device));
    expect(await member.client.nextError('E_FORBIDDEN')).toBeDefined();
    const forged = { ...enrol(admin.workspace, s.device, admin.device), device: testKey().publicKey };
    admin.client.send(forged);
    expect(await admin.client.nextError('E_AUTH_FAILED')).toBeDefined();
    expect(await putBlob(s.client, 'still-a-stranger')).toMatchObject({ code: 'E_NOT_MEMBER' });
    admin.client.send(enrol(admin.workspace, s.device, admin.device));
    await barrier(admin.client);
    expect(await putBlob(s.client, 'now-a-member')).toMatchObject({ type: FrameType.Blob, found: true });
    const { doc } = await createDoc(s.client);
    expect(await relay.store.getDoc(doc)).toBeDefined();
  });

  it('refuses an invite-form Enrol whose token does not parse or that enrols another device', async () => {
    const relay = await h.start();
    const admin = await h.member(relay);
    const s = await stranger(relay, admin.workspace);
    const junk = { ...enrol(admin.workspace, s.device, s.device), token: new Uint8Array(200) };
    s.client.send(junk);
    expect(await s.client.nextError('E_INVITE_INVALID')).toBeDefined();
    s.client.send({ ...junk, device: testKey().publicKey });
    expect(await s.client.nextError('E_FORBIDDEN')).toBeDefined();
    expect(await relay.store.isMember(admin.workspace, s.device.publicKey)).toBe(false);
  });
});
