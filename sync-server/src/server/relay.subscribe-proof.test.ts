/**
 * The subscribe capability check, one attack per test: a proof under the key
 * of the wrong mode, under another document's key, under a key replaced by
 * SetCaps, and a valid proof made for another connection's nonce. Each is
 * refused with E_AUTH_FAILED, opens no subscription and leaks no entry.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DocId } from '@tendril/crdt-schema/ids';
import { CapMode, FrameType, setCapsBytes, subscribeProofBytes } from '@tendril/crdt-schema/wire';
import { relayHarness, type TestRelay } from '../testing/harness.ts';
import { testCaps } from '../testing/keys.ts';
import { appendAll, barrier, createDoc, range } from '../testing/docs.ts';
import type { TestClient } from '../testing/test-client.ts';

const h = relayHarness();
afterEach(() => h.cleanup());

/** A workspace with one document holding three entries, and a second member to attack with. */
async function setup(relay: TestRelay) {
  const owner = await h.member(relay);
  const { doc, caps } = await createDoc(owner.client);
  await appendAll(owner.client, owner.device, doc, range(1, 3));
  const attacker = await h.member(relay, owner.workspace);
  return { owner, doc, caps, attacker };
}

/** The refusal, and proof that nothing of the document reached the connection and no write gets in. */
async function expectRefused(relay: TestRelay, client: TestClient, doc: DocId): Promise<void> {
  expect(await client.nextError('E_AUTH_FAILED')).toMatchObject({ doc, fatal: false });
  await barrier(client);
  expect(client.received.filter((f) => 'doc' in f && f.doc === doc && f.type !== FrameType.Error)).toEqual([]);
  const head = await relay.store.head(doc);
  client.send({ type: FrameType.Envelope, doc, ref: 99, envelope: new Uint8Array(200) });
  expect(await client.nextError('E_FORBIDDEN')).toMatchObject({ doc, ref: 99 });
  expect(await relay.store.head(doc)).toBe(head);
}

describe('relay subscribe proof', () => {
  it('refuses a write subscription proven with the read key (the key of the other mode)', async () => {
    const relay = await h.start();
    const { doc, caps, attacker } = await setup(relay);
    attacker.client.sendSubscribe(doc, caps, CapMode.Write, 0, false, caps.read);
    await expectRefused(relay, attacker.client, doc);
  });

  it("refuses a proof under another document's keys, even one the attacker may write", async () => {
    const relay = await h.start();
    const { doc, attacker } = await setup(relay);
    const own = await createDoc(attacker.client);
    attacker.client.sendSubscribe(doc, own.caps, CapMode.Read, 0, false, own.caps.write);
    await expectRefused(relay, attacker.client, doc);
  });

  it('refuses the old keys after SetCaps replaced them', async () => {
    const relay = await h.start();
    const { owner, doc, caps, attacker } = await setup(relay);
    const next = testCaps();
    // The workspace's admin replaces the keys (no reader keeps the old ones).
    const c = { workspace: owner.workspace, doc, writeKey: next.write.publicKey, readKey: next.read.publicKey, readers: [] };
    const proof = owner.device.sign(setCapsBytes(owner.client.challenge.nonce, c));
    owner.client.send({ type: FrameType.SetCaps, doc, ref: 5, writeKey: c.writeKey, readKey: c.readKey, readers: [], admin: owner.device.id, proof });
    await owner.client.nextError('E_CAPS_CHANGED');
    attacker.client.sendSubscribe(doc, caps, CapMode.Read, 0, false, caps.write);
    await expectRefused(relay, attacker.client, doc);
    expect((await attacker.client.subscribe(doc, next, CapMode.Read)).type).toBe(FrameType.Subscribed);
  });

  it("refuses a valid proof made for another connection's nonce (a replayed subscribe)", async () => {
    const relay = await h.start();
    const { owner, doc, caps, attacker } = await setup(relay);
    expect(owner.client.challenge.nonce).not.toEqual(attacker.client.challenge.nonce);
    const replayed = caps.write.sign(subscribeProofBytes(owner.client.challenge.nonce, doc, CapMode.Write));
    attacker.client.send({ type: FrameType.Subscribe, doc, cursor: 0, mode: CapMode.Write, proof: replayed });
    await expectRefused(relay, attacker.client, doc);
  });
});
