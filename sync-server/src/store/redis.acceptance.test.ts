/** The RelayStore acceptance suite against the Redis store (a real redis-server), including reopen. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { runRelayStoreTests } from './acceptance.ts';
import { openRedisStore } from './redis.ts';
import type { RelayStore } from './types.ts';
import { startRedis, type TestRedis } from '../testing/redis-server.ts';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
}, 30_000);
afterAll(() => redis?.cleanup());

const prefixes = new WeakMap<RelayStore, string>();

async function open(prefix: string): Promise<RelayStore> {
  const store = await openRedisStore({ url: redis.url, prefix });
  prefixes.set(store, prefix);
  return store;
}

// One server for the file; each store gets its own key prefix, so each test starts empty.
runRelayStoreTests('redis', () => open(`t${randomBytes(6).toString('hex')}`), {
  reopen: async (store) => {
    await store.close();
    return open(prefixes.get(store)!);
  },
});
