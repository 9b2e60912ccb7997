/** Integration: SetCaps replaces a document's capability keys and ends subscriptions made with the old ones. */
import { afterEach, describe, expect, it } from 'vitest';
import type { DocId } from '@tendril/crdt-schema/ids';
import { CapMode, FrameType, setCapsBytes, type SetCapsFrame } from '@tendril/crdt-schema/wire';
import { relayHarness } from '../testing/harness.ts';
import { testCaps, type TestCaps, type TestKey } from '../testing/keys.ts';
import { barrier, createDoc, follow } from '../testing/docs.ts';
import type { TestClient } from '../testing/test-client.ts';

const h = relayHarness();
afterEach(() => h.cleanup());

function setCaps(client: TestClient, doc: DocId, next: TestCaps, signer: TestKey, ref = 1): SetCapsFrame {
  const proof = signer.sign(setCapsBytes(client.challenge.nonce, doc, next.write.publicKey, next.read.publicKey));
  return { type: FrameType.SetCaps, doc, ref, writeKey: next.write.publicKey, readKey: next.read.publicKey, proof };
}

describe('relay SetCaps', () => {
  it('replaces the keys, ends old subscriptions with E_CAPS_CHANGED, and admits only the new keys', async () => {
    const relay = await h.start();
    const owner = await h.member(relay);
    const { doc, caps } = await createDoc(owner.client);
    const reader = await h.member(relay, owner.workspace);
    await follow(reader.client, doc, caps, CapMode.Read);
    const next = testCaps();
    owner.client.send(setCaps(owner.client, doc, next, caps.write, 7));
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
    owner.client.send(setCaps(owner.client, doc, next, caps.write));
    await owner.client.nextError('E_CAPS_CHANGED');
    const after = await h.member(relay, owner.workspace);
    await follow(after.client, doc, next, CapMode.Write);
    after.client.send({ type: FrameType.Presence, doc, from: after.device.id, payload: new Uint8Array([1]) });
    expect(await reader.client.nextOf(FrameType.Presence, doc)).toMatchObject({ from: after.device.id });
    expect(reader.client.inbox.filter((f) => f.type === FrameType.Error)).toEqual([]);
  });

  it('refuses SetCaps not signed by the current write key', async () => {
    const relay = await h.start();
    const owner = await h.member(relay);
    const { doc, caps } = await createDoc(owner.client);
    owner.client.send(setCaps(owner.client, doc, testCaps(), caps.read, 3));
    expect(await owner.client.nextError('E_AUTH_FAILED')).toMatchObject({ doc, ref: 3 });
    expect((await relay.store.getDoc(doc))?.writeKey).toEqual(caps.write.publicKey);
  });
});
