/** Integration: graceful shutdown finishes pending commits, acks them, tells every peer E_SHUTTING_DOWN, and closes the store. */
import { afterEach, describe, expect, it } from 'vitest';
import { FrameType } from '@tendril/crdt-schema/wire';
import { isTendrilError } from '@tendril/crdt-schema/errors';
import { createMemoryStore } from '../store/memory.ts';
import { relayHarness } from '../testing/harness.ts';
import { makeEnvelope } from '../testing/envelopes.ts';
import { createDoc } from '../testing/docs.ts';
import { gatedStore } from '../testing/store-wrappers.ts';
import { TestClient } from '../testing/test-client.ts';
import { waitFor } from '../testing/wait.ts';

const h = relayHarness();
afterEach(() => h.cleanup());

describe('relay shutdown', () => {
  it('stops accepting, acks the commit in flight, then sends E_SHUTTING_DOWN and closes the store', async () => {
    const inner = createMemoryStore();
    const gate = gatedStore(inner);
    const relay = await h.start({ store: gate.store });
    const m = await h.member(relay);
    const idle = await h.member(relay);
    const { doc } = await createDoc(m.client);
    m.client.send({ type: FrameType.Envelope, doc, ref: 1, envelope: makeEnvelope({ doc, author: m.device, counter: 1 }) });
    await waitFor(() => gate.waiting === 1, 'the append to reach the store');
    const closing = relay.relay.close();
    await expect(TestClient.connect(relay.url)).rejects.toThrow();
    gate.open();
    const ack = await m.client.nextOf(FrameType.Ack, doc);
    expect(ack.seq).toBe(1);
    const bye = await m.client.nextError('E_SHUTTING_DOWN');
    expect(bye.fatal).toBe(true);
    expect(m.client.received.indexOf(ack)).toBeLessThan(m.client.received.indexOf(bye));
    expect((await m.client.closed).code).toBe(1001);
    expect(await idle.client.nextError('E_SHUTTING_DOWN')).toMatchObject({ fatal: true });
    await closing;
    await expect(inner.head(doc)).rejects.toSatisfy((e) => isTendrilError(e, 'E_STORE_FAILED'));
  });
});
