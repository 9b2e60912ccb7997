/**
 * Integration: Locate names the workspaces a key is enrolled in to the holder
 * of that key only. The right key with its proof over this connection's
 * challenge gets the workspace; its public key with a proof that does not
 * verify (made by another key, or over another challenge) gets the same empty
 * answer as a key enrolled nowhere; a workspace that revoked the key is left
 * out; the relay closes after the answer; Locate after a Welcome is refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FrameType, locateProofBytes, revokeBytes, type LocatedFrame } from '@tendril/crdt-schema/wire';
import { relayHarness, type TestRelay } from '../testing/harness.ts';
import { testKey, type TestKey } from '../testing/keys.ts';
import { barrier } from '../testing/docs.ts';

const h = relayHarness();
afterEach(() => h.cleanup());

/** One Locate on a fresh connection: the answer and how the relay closed. */
async function locate(relay: TestRelay, key: TestKey, sign: (nonce: Uint8Array) => Uint8Array = (n) => key.sign(locateProofBytes(n, key.publicKey))) {
  const client = await h.connect(relay);
  client.send({ type: FrameType.Locate, version: 1, key: key.publicKey, proof: sign(client.challenge.nonce) });
  const answer = await client.next<LocatedFrame>((f) => f.type === FrameType.Located || f.type === FrameType.Error);
  const closed = await client.closed;
  return { answer, closed };
}

describe('relay Locate', () => {
  it('names the workspace to the enrolled key that proves itself, and closes', async () => {
    const relay = await h.start();
    const admin = await h.member(relay);
    const locator = testKey();
    await relay.store.enrolDevice(admin.workspace, locator.publicKey);
    const { answer, closed } = await locate(relay, locator);
    expect(answer).toEqual({ type: FrameType.Located, workspaces: [admin.workspace] });
    expect(closed.code).toBe(1000);
  });

  it('tells a public key without a valid proof nothing, exactly as it tells an unknown key', async () => {
    const relay = await h.start();
    const admin = await h.member(relay);
    const locator = testKey();
    await relay.store.enrolDevice(admin.workspace, locator.publicKey);
    const other = testKey();
    const forged = await locate(relay, locator, (n) => other.sign(locateProofBytes(n, locator.publicKey)));
    const replayed = await locate(relay, locator, () => locator.sign(locateProofBytes(new Uint8Array(32), locator.publicKey)));
    const helloProof = await locate(relay, locator, () => new Uint8Array(64));
    const unknown = await locate(relay, testKey());
    for (const r of [forged, replayed, helloProof, unknown]) {
      expect(r.answer).toEqual({ type: FrameType.Located, workspaces: [] });
      expect(r.closed.code).toBe(1000);
    }
  });

  it('names every workspace of the key except one that revoked it', async () => {
    const relay = await h.start();
    const a = await h.member(relay);
    const b = await h.member(relay);
    const locator = testKey();
    await relay.store.enrolDevice(a.workspace, locator.publicKey);
    await relay.store.enrolDevice(b.workspace, locator.publicKey);
    expect((await locate(relay, locator)).answer.workspaces).toEqual([a.workspace, b.workspace].sort());
    const at = Date.now();
    b.client.send({ type: FrameType.Revoke, workspace: b.workspace, device: locator.id, at, admin: b.device.id, signature: b.device.sign(revokeBytes(b.workspace, locator.id, at)) });
    await barrier(b.client);
    expect((await locate(relay, locator)).answer.workspaces).toEqual([a.workspace]);
  });

  it('refuses Locate on a connection that already said hello', async () => {
    const relay = await h.start();
    const admin = await h.member(relay);
    admin.client.send({ type: FrameType.Locate, version: 1, key: admin.device.publicKey, proof: admin.device.sign(locateProofBytes(admin.client.challenge.nonce, admin.device.publicKey)) });
    expect((await admin.client.nextError('E_BAD_INPUT')).message).toMatch(/instead of a hello/);
  });
});
