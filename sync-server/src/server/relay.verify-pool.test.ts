/**
 * Integration: envelopes whose signature is checked on the libuv thread pool
 * (`verifyOnPoolFromBytes`). A forged one is refused and neither stored nor
 * forwarded; a connection's frames keep their order when a large envelope
 * (on the pool) is followed by small ones (checked in place); a verdict that
 * arrives after the device was revoked stores nothing; and small envelopes
 * never leave the event loop.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EnvelopeKind } from '@tendril/crdt-schema/header';
import { CapMode, FrameType, revokeBytes, type AckFrame, type EntryFrame } from '@tendril/crdt-schema/wire';
import { relayHarness } from '../testing/harness.ts';
import { makeEnvelope } from '../testing/envelopes.ts';
import { barrier, createDoc, follow } from '../testing/docs.ts';
import { waitFor } from '../testing/wait.ts';
import { createEd25519Verifier, type Ed25519Verifier } from './ed25519.ts';

const h = relayHarness();
afterEach(() => h.cleanup());

/** The real verifier, counting its calls; `hold` keeps pool verdicts until `release`. */
function countingVerifier(opts: { hold?: boolean } = {}) {
  const real = createEd25519Verifier();
  const held: Array<() => void> = [];
  const counts = { inPlace: 0, onPool: 0 };
  const verifier: Ed25519Verifier = {
    verify(k, m, s) {
      counts.inPlace++;
      return real.verify(k, m, s);
    },
    async verifyAsync(k, m, s) {
      counts.onPool++;
      const ok = await real.verifyAsync(k, m, s);
      if (opts.hold) await new Promise<void>((resolve) => held.push(resolve));
      return ok;
    },
  };
  return { verifier, counts, held, release: () => held.splice(0).forEach((r) => r()) };
}

const ackOf = (ref: number) => (f: { type: number; ref?: number }) => f.type === FrameType.Ack && f.ref === ref;

describe('relay envelope verification on the thread pool', () => {
  it('refuses a forged envelope checked on the pool, and stores and forwards nothing of it', async () => {
    const v = countingVerifier();
    const relay = await h.start({ verifyOnPoolFromBytes: 0, verifier: v.verifier });
    const writer = await h.member(relay);
    const { doc, caps } = await createDoc(writer.client);
    const reader = await h.member(relay, writer.workspace);
    await follow(reader.client, doc, caps, CapMode.Read);
    const before = v.counts.onPool;

    const forged = makeEnvelope({ doc, author: writer.device, counter: 1, badSignature: true });
    writer.client.send({ type: FrameType.Envelope, doc, ref: 1, envelope: forged });
    expect(await writer.client.nextError('E_AUTH_FAILED')).toMatchObject({ doc, ref: 1 });
    const good = makeEnvelope({ doc, author: writer.device, counter: 1 });
    writer.client.send({ type: FrameType.Envelope, doc, ref: 2, envelope: good });
    expect(await writer.client.next<AckFrame>(ackOf(2))).toMatchObject({ seq: 1 });

    expect(await reader.client.nextOf(FrameType.Entry, doc)).toMatchObject({ seq: 1, envelope: good });
    await barrier(reader.client);
    // The forged envelope was not forwarded before or after the good one.
    expect(reader.client.inbox.filter((f) => f.type === FrameType.Entry)).toEqual([]);
    expect((await relay.store.readSince(doc, 0, 10)).map((e) => e.envelope)).toEqual([good]);
    expect(v.counts.onPool - before).toBe(2);
  });

  it('keeps a connection frame order: a large envelope on the pool stays ahead of the small ones sent after it', async () => {
    const v = countingVerifier();
    const relay = await h.start({ verifyOnPoolFromBytes: 64 * 1024, verifier: v.verifier });
    const writer = await h.member(relay);
    const { doc, caps } = await createDoc(writer.client);
    const reader = await h.member(relay, writer.workspace);
    await follow(reader.client, doc, caps, CapMode.Read);

    const large = makeEnvelope({ doc, author: writer.device, counter: 1, size: 100_000 });
    const small = makeEnvelope({ doc, author: writer.device, counter: 2 });
    const forgedLarge = makeEnvelope({ doc, author: writer.device, counter: 3, size: 100_000, badSignature: true });
    const small2 = makeEnvelope({ doc, author: writer.device, counter: 3 });
    const pool = v.counts.onPool;
    const inPlace = v.counts.inPlace;
    writer.client.send({ type: FrameType.Envelope, doc, ref: 1, envelope: large });
    writer.client.send({ type: FrameType.Envelope, doc, ref: 2, envelope: small });
    writer.client.send({ type: FrameType.Envelope, doc, ref: 3, envelope: forgedLarge });
    writer.client.send({ type: FrameType.Envelope, doc, ref: 4, envelope: small2 });

    expect(await writer.client.next<AckFrame>(ackOf(1))).toMatchObject({ seq: 1 });
    expect(await writer.client.next<AckFrame>(ackOf(2))).toMatchObject({ seq: 2 });
    expect(await writer.client.nextError('E_AUTH_FAILED')).toMatchObject({ doc, ref: 3 });
    expect(await writer.client.next<AckFrame>(ackOf(4))).toMatchObject({ seq: 3 });
    expect((await relay.store.readSince(doc, 0, 10)).map((e) => e.envelope)).toEqual([large, small, small2]);
    await waitFor(() => reader.client.inbox.filter((f) => f.type === FrameType.Entry).length === 3, 'three entries');
    expect(reader.client.inbox.filter((f): f is EntryFrame => f.type === FrameType.Entry).map((e) => e.envelope)).toEqual([large, small, small2]);
    // The two large envelopes went to the pool, the two small ones were checked in place.
    expect(v.counts.onPool - pool).toBe(2);
    expect(v.counts.inPlace - inPlace).toBe(2);
  });

  it('stores nothing when the device is revoked while its envelope is being verified', async () => {
    const v = countingVerifier({ hold: true });
    const relay = await h.start({ verifyOnPoolFromBytes: 0, verifier: v.verifier });
    const admin = await h.member(relay);
    const writer = await h.member(relay, admin.workspace);
    // Subscribing checks no envelope: only the writer's append below reaches the pool.
    const { doc } = await createDoc(writer.client);
    writer.client.send({ type: FrameType.Envelope, doc, ref: 1, envelope: makeEnvelope({ doc, author: writer.device, counter: 1 }) });
    await waitFor(() => v.held.length === 1, 'the verdict to be held');

    const at = 1_700_000_000_000;
    const revoke = { type: FrameType.Revoke, workspace: admin.workspace, device: writer.device.id, at, admin: admin.device.id };
    admin.client.send({ ...revoke, signature: admin.device.sign(revokeBytes(admin.workspace, writer.device.id, at)) });
    expect(await writer.client.nextError('E_REVOKED')).toMatchObject({ fatal: true });
    v.release();
    await writer.client.closed;
    await barrier(admin.client);
    expect(await relay.store.readSince(doc, 0, 10)).toEqual([]);
    expect(writer.client.inbox.some((f) => f.type === FrameType.Ack)).toBe(false);
  });

  it('checks a large snapshot on the pool and refuses a forged one', async () => {
    const v = countingVerifier();
    const relay = await h.start({ verifyOnPoolFromBytes: 64 * 1024, verifier: v.verifier });
    const writer = await h.member(relay);
    const { doc } = await createDoc(writer.client);
    writer.client.send({ type: FrameType.Envelope, doc, ref: 1, envelope: makeEnvelope({ doc, author: writer.device, counter: 1 }) });
    await writer.client.next(ackOf(1));
    const pool = v.counts.onPool;
    const forged = makeEnvelope({ doc, author: writer.device, counter: 2, kind: EnvelopeKind.Snapshot, size: 200_000, badSignature: true });
    writer.client.send({ type: FrameType.SnapshotPut, doc, ref: 2, seq: 1, envelope: forged });
    expect(await writer.client.nextError('E_AUTH_FAILED')).toMatchObject({ doc, ref: 2 });
    expect(await relay.store.getSnapshot(doc)).toBeUndefined();
    const snapshot = makeEnvelope({ doc, author: writer.device, counter: 2, kind: EnvelopeKind.Snapshot, size: 200_000 });
    writer.client.send({ type: FrameType.SnapshotPut, doc, ref: 3, seq: 1, envelope: snapshot });
    expect(await writer.client.next<AckFrame>(ackOf(3))).toMatchObject({ seq: 1 });
    expect((await relay.store.getSnapshot(doc))?.envelope).toEqual(snapshot);
    expect(v.counts.onPool - pool).toBe(2);
  });
});
