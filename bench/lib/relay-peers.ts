/**
 * Raw-frame relay peers for the attack benchmark (the relay's own test
 * client, no sync engine): a welcomed member, a new document, and appends
 * paced under the relay's default frame rate.
 */
import { newDocId, type DocId, type WorkspaceId } from '@tendril/crdt-schema/ids';
import { CapMode, FrameType, type AckFrame } from '@tendril/crdt-schema/wire';
import { makeEnvelope } from '../../sync-server/src/testing/envelopes.ts';
import { testCaps, type TestCaps, type TestKey } from '../../sync-server/src/testing/keys.ts';
import { TestClient } from '../../sync-server/src/testing/test-client.ts';
import { sleep } from './args.ts';

export interface Member {
  readonly client: TestClient;
  readonly device: TestKey;
}

/** Connects and says hello (registering the workspace with `register` as admins when given). */
export async function member(url: string, workspace: WorkspaceId, device: TestKey, register?: TestKey[], localAddress?: string): Promise<Member> {
  const client = await TestClient.connect(url, { localAddress });
  const answer = await client.hello(device, workspace, register ? { register: register.map((k) => k.publicKey) } : {});
  if (answer.type !== FrameType.Welcome) throw new Error(`hello refused: ${answer.code}`);
  return { client, device };
}

export async function createDoc(m: Member): Promise<{ doc: DocId; caps: TestCaps }> {
  const doc = newDocId();
  const caps = testCaps();
  const answer = await m.client.subscribe(doc, caps, CapMode.Write, 0, true);
  if (answer.type !== FrameType.Subscribed) throw new Error(`create refused: ${answer.code}`);
  await m.client.nextOf(FrameType.CaughtUp, doc);
  return { doc, caps };
}

/** Appends counters from..from+count-1 of `size` bytes, `batch` at a time, pausing to stay under 200 frames/s. */
export async function fill(m: Member, doc: DocId, from: number, count: number, size: number, batch = 32): Promise<void> {
  for (let c = from; c < from + count; c += batch) {
    const refs: number[] = [];
    for (let k = c; k < Math.min(from + count, c + batch); k++) {
      m.client.send({ type: FrameType.Envelope, doc, ref: k, envelope: makeEnvelope({ doc, author: m.device, counter: k, size }) });
      refs.push(k);
    }
    for (const ref of refs) await m.client.next<AckFrame>((f) => f.type === FrameType.Ack && f.ref === ref, 60_000);
    m.client.inbox.length = 0;
    m.client.received.length = 0;
    await sleep(200);
  }
}
