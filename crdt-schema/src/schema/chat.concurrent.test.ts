import { describe, expect, it } from 'vitest';
import type { DeviceId } from '../ids.ts';
import { createPrng, testSeed } from '../testkit/prng.ts';
import { docsWithClients, syncDocs } from '../testkit/sync-docs.ts';
import { testIds } from '../testkit/test-ids.ts';
import { chatDoc } from './chat.ts';

const A = 'A'.repeat(43) as DeviceId;
const B = 'B'.repeat(43) as DeviceId;

describe('chat, two peers', () => {
  it('merges concurrent messages and streaming into the same transcript on both', () => {
    const [da, db] = docsWithClients(2) as [never, never];
    const a = chatDoc(da, { now: () => 100 });
    const b = chatDoc(db, { now: () => 100 });
    const r = a.addMessage({ author: A, role: 'assistant', status: 'streaming' });
    syncDocs(da, db);
    a.addMessage({ author: A, role: 'user', content: 'from a' });
    b.addMessage({ author: B, role: 'user', content: 'from b' });
    a.appendContent(r, 'x');
    b.appendContent(r, 'y');
    b.requestStop(r, B);
    a.setStatus(r, 'stopped');
    syncDocs(da, db);
    expect(a.transcript()).toEqual(b.transcript());
    expect(a.transcript()).toHaveLength(3);
    expect(a.message(r)).toMatchObject({ status: 'stopped', stopRequested: { by: B, at: 100 } });
    expect(['xy', 'yx']).toContain(a.message(r)?.content);
  });

  it('orders randomly interleaved messages identically on both peers, whatever the delivery order', () => {
    const prng = createPrng(testSeed('crdt-schema/src/schema/chat.concurrent.test.ts'));
    const ids = testIds(prng);
    const docs = docsWithClients(3);
    const chats = docs.map((d, i) => chatDoc(d, { now: () => prng.int(0, 50) + i }));
    for (let i = 0; i < 200; i++) {
      const k = prng.int(0, 2);
      chats[k]!.addMessage({ id: ids.messageId(), author: A, role: prng.pick(['user', 'assistant'] as const), content: `m${i}` });
      if (prng.bool(0.2)) {
        const [x, y] = prng.shuffle([0, 1, 2]);
        syncDocs(docs[x!]!, docs[y!]!);
      }
    }
    syncDocs(...prng.shuffle([...docs]));
    const orders = chats.map((c) => c.transcript().map((m) => m.id));
    expect(orders[1]).toEqual(orders[0]);
    expect(orders[2]).toEqual(orders[0]);
    const times = chats[0]!.transcript().map((m) => m.createdAt);
    expect([...times].sort((x, y) => x - y)).toEqual(times);
  });
});
