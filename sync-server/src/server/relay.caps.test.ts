/**
 * Integration: SetCaps replaces a document's capability keys, only when a registered admin of the
 * workspace signs it (whatever the current keys are), ends subscriptions made with the old ones,
 * and keeps the old ones readable by the devices the admin named and nobody else.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DocId, WorkspaceId } from '@tendril/crdt-schema/ids';
import { CapMode, FrameType, setCapsBytes, type SetCapsFrame } from '@tendril/crdt-schema/wire';
import { relayHarness } from '../testing/harness.ts';
import { testCaps, type TestCaps, type TestKey } from '../testing/keys.ts';
import { appendAll, barrier, createDoc, follow } from '../testing/docs.ts';
import type { TestClient } from '../testing/test-client.ts';

const h = relayHarness();
afterEach(() => h.cleanup());

function setCaps(client: TestClient, o: { workspace: WorkspaceId; doc: DocId; next: TestCaps; signer: TestKey; readers?: TestKey[]; ref?: number }): SetCapsFrame {
  const c = { workspace: o.workspace, doc: o.doc, writeKey: o.next.write.publicKey, readKey: o.next.read.publicKey, readers: (o.readers ?? []).map((k) => k.publicKey) };
  const proof = o.signer.sign(setCapsBytes(client.challenge.nonce, c));
  return { type: FrameType.SetCaps, doc: o.doc, ref: o.ref ?? 1, writeKey: c.writeKey, readKey: c.readKey, readers: c.readers, admin: o.signer.id, proof };
}

describe('relay SetCaps', () => {
  it('replaces the keys, ends old subscriptions with E_CAPS_CHANGED, and admits only the new keys', async () => {
    const relay = await h.start();
    const owner = await h.member(relay);
    const { doc, caps } = await createDoc(owner.client);
    const reader = await h.member(relay, owner.workspace);
    await follow(reader.client, doc, caps, CapMode.Read);
    const next = testCaps();
    owner.client.send(setCaps(owner.client, { workspace: owner.workspace, doc, next, signer: owner.device, ref: 7 }));
    expect(await reader.client.nextError('E_CAPS_CHANGED')).toMatchObject({ doc, fatal: false });
    expect(await owner.client.nextError('E_CAPS_CHANGED')).toMatchObject({ doc });
    await barrier(owner.client);
    expect(owner.client.received.filter((f) => f.type === FrameType.Ack && f.ref === 7), 'success is silent').toEqual([]);
    expect(await relay.store.getDoc(doc)).toMatchObject({ writeKey: next.write.publicKey, readKey: next.read.publicKey });
    expect(await reader.client.subscribe(doc, caps, CapMode.Read)).toMatchObject({ code: 'E_AUTH_FAILED' });
    expect((await reader.client.subscribe(doc, next, CapMode.Read)).type).toBe(FrameType.Subscribed);
  });

  it('keeps a subscription whose key did not change', async () => {
    const relay = await h.start();
    const owner = await h.member(relay);
    const { doc, caps } = await createDoc(owner.client);
    const reader = await h.member(relay, owner.workspace);
    await follow(reader.client, doc, caps, CapMode.Read);
    const next = { write: testCaps().write, read: caps.read };
    owner.client.send(setCaps(owner.client, { workspace: owner.workspace, doc, next, signer: owner.device }));
    await owner.client.nextError('E_CAPS_CHANGED');
    const after = await h.member(relay, owner.workspace);
    await follow(after.client, doc, next, CapMode.Write);
    after.client.send({ type: FrameType.Presence, doc, from: after.device.id, payload: new Uint8Array([1]) });
    expect(await reader.client.nextOf(FrameType.Presence, doc)).toMatchObject({ from: after.device.id });
    expect(reader.client.inbox.filter((f) => f.type === FrameType.Error)).toEqual([]);
  });

  it('refuses SetCaps from a device that is not an admin, even signed by the current write key', async () => {
    const relay = await h.start();
    const owner = await h.member(relay);
    const { doc, caps } = await createDoc(owner.client);
    const member = await h.member(relay, owner.workspace);
    member.client.send(setCaps(member.client, { workspace: owner.workspace, doc, next: testCaps(), signer: member.device, ref: 3 }));
    expect(await member.client.nextError('E_FORBIDDEN')).toMatchObject({ doc, ref: 3 });
    // The old rule (a proof by the current write key) no longer changes anything either.
    const byWriteKey = { ...setCaps(member.client, { workspace: owner.workspace, doc, next: testCaps(), signer: caps.write, ref: 4 }) };
    member.client.send(byWriteKey);
    expect(await member.client.nextError('E_FORBIDDEN')).toMatchObject({ doc, ref: 4 });
    expect((await relay.store.getDoc(doc))?.writeKey).toEqual(caps.write.publicKey);
  });

  it('refuses an admin SetCaps whose signature does not verify (another connection, other keys)', async () => {
    const relay = await h.start();
    const owner = await h.member(relay);
    const { doc, caps } = await createDoc(owner.client);
    const other = await h.member(relay, owner.workspace, owner.device);
    const replayed = setCaps(other.client, { workspace: owner.workspace, doc, next: testCaps(), signer: owner.device, ref: 5 });
    owner.client.send(replayed);
    expect(await owner.client.nextError('E_AUTH_FAILED')).toMatchObject({ doc, ref: 5 });
    expect((await relay.store.getDoc(doc))?.writeKey).toEqual(caps.write.publicKey);
  });

  it('lets an admin take back a document whose keys someone else holds (override, no proof by the old keys)', async () => {
    const relay = await h.start();
    const owner = await h.member(relay);
    const stranger = await h.member(relay, owner.workspace);
    const { doc } = await createDoc(stranger.client);
    const mine = testCaps();
    expect(await owner.client.subscribe(doc, mine, CapMode.Write, 0, true)).toMatchObject({ code: 'E_DOC_EXISTS' });
    owner.client.send(setCaps(owner.client, { workspace: owner.workspace, doc, next: mine, signer: owner.device }));
    expect((await owner.client.subscribe(doc, mine, CapMode.Write, 0, true)).type).toBe(FrameType.Subscribed);
  });

  it('keeps the replaced keys readable by the named devices only, never writable', async () => {
    const relay = await h.start();
    const owner = await h.member(relay);
    const { doc, caps } = await createDoc(owner.client);
    await appendAll(owner.client, owner.device, doc, [1]);
    const named = await h.member(relay, owner.workspace);
    const other = await h.member(relay, owner.workspace);
    owner.client.send(setCaps(owner.client, { workspace: owner.workspace, doc, next: testCaps(), signer: owner.device, readers: [named.device] }));
    await owner.client.nextError('E_CAPS_CHANGED');
    expect((await named.client.subscribe(doc, caps, CapMode.Read)).type).toBe(FrameType.Subscribed);
    expect(await named.client.subscribe(doc, caps, CapMode.Write)).toMatchObject({ code: 'E_AUTH_FAILED' });
    expect(await named.client.subscribe(doc, caps, CapMode.Write, 0, true)).toMatchObject({ code: 'E_CAPS_CHANGED' });
    expect(await other.client.subscribe(doc, caps, CapMode.Read)).toMatchObject({ code: 'E_AUTH_FAILED' });
    expect(await other.client.subscribe(doc, caps, CapMode.Write, 0, true)).toMatchObject({ code: 'E_DOC_EXISTS' });
  });

  it('never brings replaced keys back, even signed by an admin (one with stale keys)', async () => {
    const relay = await h.start();
    const owner = await h.member(relay);
    const { doc, caps } = await createDoc(owner.client);
    const next = testCaps();
    owner.client.send(setCaps(owner.client, { workspace: owner.workspace, doc, next, signer: owner.device }));
    await owner.client.nextError('E_CAPS_CHANGED');
    owner.client.send(setCaps(owner.client, { workspace: owner.workspace, doc, next: caps, signer: owner.device, ref: 8 }));
    expect(await owner.client.nextError('E_CAPS_RETIRED')).toMatchObject({ doc, ref: 8 });
    expect((await relay.store.getDoc(doc))?.writeKey).toEqual(next.write.publicKey);
  });
});
