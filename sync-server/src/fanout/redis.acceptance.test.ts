/** The Fanout acceptance suite against Redis pub/sub (a real redis-server), and its resync after a lost connection. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { newDocId } from '@tendril/crdt-schema/ids';
import { runFanoutTests } from './acceptance.ts';
import { openRedisFanout } from './redis.ts';
import type { FanoutMessage } from './types.ts';
import { startRedis, type TestRedis } from '../testing/redis-server.ts';
import { waitFor } from '../testing/wait.ts';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
}, 30_000);
afterAll(() => redis?.cleanup());

// Each test gets its own prefix (its own channel), so the tests do not hear each other.
let prefix = '';
const fresh = (): string => (prefix = `t${randomBytes(6).toString('hex')}`);
runFanoutTests('redis', () => openRedisFanout({ url: redis.url, prefix: prefix || fresh() }));

describe('Redis fan-out', () => {
  it('asks for a resync once its listening connection is back (messages sent meanwhile are lost)', async () => {
    const p = fresh();
    const a = await openRedisFanout({ url: redis.url, prefix: p });
    const b = await openRedisFanout({ url: redis.url, prefix: p });
    const got: FanoutMessage[] = [];
    let resyncs = 0;
    await b.start({ message: (m) => got.push(m), resync: () => resyncs++ });
    await a.start({ message: () => undefined, resync: () => undefined });
    const admin = new Redis(redis.url);
    try {
      // Drops every subscribed connection (a and b's listeners): ioredis reconnects and subscribes again.
      expect(await admin.client('KILL', 'TYPE', 'pubsub')).toBeGreaterThanOrEqual(1);
      await waitFor(() => resyncs === 1, 'b to resync');
      const doc = newDocId();
      a.publish({ kind: 'appended', doc, seq: 1 });
      await waitFor(() => got.length === 1, 'b to hear a again');
      expect(got).toEqual([{ kind: 'appended', doc, seq: 1 }]);
    } finally {
      admin.disconnect();
      await a.close();
      await b.close();
    }
  });

  it('ignores malformed messages on its channel', async () => {
    const p = fresh();
    const b = await openRedisFanout({ url: redis.url, prefix: p });
    const a = await openRedisFanout({ url: redis.url, prefix: p });
    const got: FanoutMessage[] = [];
    await b.start({ message: (m) => got.push(m), resync: () => undefined });
    const admin = new Redis(redis.url);
    try {
      await admin.publish(`${p}:fanout`, Buffer.from('garbage'));
      const doc = newDocId();
      a.publish({ kind: 'caps', doc });
      await waitFor(() => got.length === 1, 'the good message');
      expect(got).toEqual([{ kind: 'caps', doc }]);
    } finally {
      admin.disconnect();
      await a.close();
      await b.close();
    }
  });
});
