/**
 * The RelayStore acceptance suite against a one-node Redis Cluster that owns
 * every slot. A cluster node refuses any command, transaction or script whose
 * keys hash to more than one slot (CROSSSLOT), even when it owns them all, so
 * this proves each step of the store keeps to one hash tag.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { Redis } from 'ioredis';
import { runRelayStoreTests } from './acceptance.ts';
import { openRedisStore } from './redis.ts';
import type { RelayStore } from './types.ts';
import { startRedis, type TestRedis } from '../testing/redis-server.ts';
import { waitFor } from '../testing/wait.ts';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis({ settings: { 'cluster-enabled': 'yes', 'cluster-config-file': 'nodes.conf' } });
  const admin = new Redis(redis.url);
  try {
    await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
    await waitFor(async () => /cluster_state:ok/.test(String(await admin.call('CLUSTER', 'INFO'))), 'the cluster to be ready', 20_000);
  } finally {
    admin.disconnect();
  }
}, 30_000);
afterAll(() => redis?.cleanup());

const prefixes = new WeakMap<RelayStore, string>();

async function open(prefix: string): Promise<RelayStore> {
  const store = await openRedisStore({ url: redis.url, prefix });
  prefixes.set(store, prefix);
  return store;
}

runRelayStoreTests('redis cluster node', () => open(`c${randomBytes(6).toString('hex')}`), {
  reopen: async (store) => {
    await store.close();
    return open(prefixes.get(store)!);
  },
});
