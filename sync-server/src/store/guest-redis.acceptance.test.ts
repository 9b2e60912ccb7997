/** The GuestStore acceptance suite against Redis (a real redis-server), each store under its own key prefix. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { runGuestStoreTests } from './guest-acceptance.ts';
import { openRedisGuestStore } from './guest-redis.ts';
import type { GuestStore } from './guest-types.ts';
import { startRedis, type TestRedis } from '../testing/redis-server.ts';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
}, 30_000);
afterAll(() => redis?.cleanup());

const prefixes = new WeakMap<GuestStore, string>();

async function open(prefix: string): Promise<GuestStore> {
  const store = await openRedisGuestStore({ url: redis.url, prefix });
  prefixes.set(store, prefix);
  return store;
}

runGuestStoreTests('redis', () => open(`g${randomBytes(6).toString('hex')}`), {
  reopen: async (store) => {
    await store.close();
    return open(prefixes.get(store)!);
  },
});
