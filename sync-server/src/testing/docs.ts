/** Document helpers for relay tests: create-and-subscribe, and appends that wait for their acks. */
import { newDocId, type DocId } from '@tendril/crdt-schema/ids';
import { CapMode, FrameType, type AckFrame } from '@tendril/crdt-schema/wire';
import { makeEnvelope } from './envelopes.ts';
import { testCaps, type TestCaps, type TestKey } from './keys.ts';
import type { TestClient } from './test-client.ts';

/** Registers a new document through `client` (write mode) and waits until it is caught up. */
export async function createDoc(client: TestClient): Promise<{ doc: DocId; caps: TestCaps }> {
  const doc = newDocId();
  const caps = testCaps();
  const answer = await client.subscribe(doc, caps, CapMode.Write, 0, true);
  if (answer.type !== FrameType.Subscribed) throw new Error(`create refused: ${answer.code}`);
  await client.nextOf(FrameType.CaughtUp, doc);
  return { doc, caps };
}

/** Subscribes and returns what the catch-up delivered. */
export async function follow(client: TestClient, doc: DocId, caps: TestCaps, mode: CapMode, cursor = 0) {
  const answer = await client.subscribe(doc, caps, mode, cursor);
  if (answer.type !== FrameType.Subscribed) throw new Error(`subscribe refused: ${answer.code}`);
  return { subscribed: answer, ...(await client.catchUp(doc)) };
}

/** Sends one envelope per counter (ref = counter) and waits for every Ack. */
export async function appendAll(client: TestClient, author: TestKey, doc: DocId, counters: number[], size?: number): Promise<AckFrame[]> {
  for (const counter of counters) {
    client.send({ type: FrameType.Envelope, doc, ref: counter, envelope: makeEnvelope({ doc, author, counter, size }) });
  }
  const acks: AckFrame[] = [];
  for (const counter of counters) acks.push(await client.next<AckFrame>((f) => f.type === FrameType.Ack && f.doc === doc && f.ref === counter));
  return acks;
}

export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

let barrierRef = 1_000_000;
/**
 * A round trip on one connection: everything the relay sent on it before
 * answering has arrived once this resolves. Proves absence without sleeping.
 */
export async function barrier(client: TestClient): Promise<void> {
  const ref = barrierRef++;
  client.send({ type: FrameType.BlobTake, ref, key: 'barrier' });
  await client.next((f) => f.type === FrameType.Blob && f.ref === ref);
}
