/**
 * Durability of the Redis store: it refuses servers that could lose an
 * acknowledged append, waits for replicas when told to, and when Redis is
 * killed mid-burst every call fails with E_STORE_FAILED, health fails, and
 * after Redis restarts from its append-only file every acknowledged entry is
 * there with its bytes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { isTendrilError } from '@tendril/crdt-schema/errors';
import { openRedisStore } from './redis.ts';
import { docRecord, entry, key } from './acceptance-fixtures.ts';
import type { RelayStore } from './types.ts';
import { startRedis, type TestRedis } from '../testing/redis-server.ts';
import { waitFor } from '../testing/wait.ts';

const servers: TestRedis[] = [];
const stores: RelayStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close().catch(() => undefined);
  for (const r of servers.splice(0)) await r.cleanup();
});

async function server(settings?: Record<string, string>): Promise<TestRedis> {
  const r = await startRedis({ settings });
  servers.push(r);
  return r;
}

const storeFailed = (e: unknown): boolean => isTendrilError(e, 'E_STORE_FAILED');

describe('Redis store durability', () => {
  it.each([
    ['no append-only file', { appendonly: 'no' }, /appendonly=no/],
    ['an fsync once a second', { appendfsync: 'everysec' }, /appendfsync=everysec/],
    ['eviction under memory pressure', { maxmemory: '100mb', 'maxmemory-policy': 'allkeys-lru' }, /maxmemory-policy=allkeys-lru/],
  ])('refuses to open on a server with %s unless the risk is accepted', async (_what, settings, reason) => {
    const r = await server(settings);
    const refused = openRedisStore({ url: r.url });
    await expect(refused).rejects.toSatisfy(storeFailed);
    await expect(refused).rejects.toThrow(reason);
    await expect(refused).rejects.toThrow(/--redis-unsafe-durability/);
    stores.push(await openRedisStore({ url: r.url, unsafeDurability: true }));
  });

  it('fails its health check once the server stops fsyncing every write', async () => {
    const r = await server();
    const store = await openRedisStore({ url: r.url });
    stores.push(store);
    await store.check();
    const admin = new Redis(r.url);
    try {
      await admin.config('SET', 'appendfsync', 'everysec');
      await expect(store.check()).rejects.toThrow(/appendfsync=everysec/);
    } finally {
      admin.disconnect();
    }
  });

  it('with waitReplicas, acknowledges an append only once a replica holds it', async () => {
    const primary = await server({ appendonly: 'no' });
    const store = await openRedisStore({ url: primary.url, waitReplicas: 1, waitTimeoutMs: 3_000, prefix: 'w' });
    stores.push(store);
    const record = docRecord();
    await store.createDoc(record);
    const alice = key();
    await expect(store.append(record.doc, entry(alice, 1)), 'no replica yet').rejects.toSatisfy(storeFailed);
    await expect(store.check()).rejects.toThrow(/0 of 1 Redis replicas/);

    const replica = await server({ appendonly: 'no', replicaof: `127.0.0.1 ${primary.port}` });
    await waitFor(() => store.check().then(() => true, () => false), 'the replica to sync', 20_000);
    const results = await Promise.all([2, 3, 4].map((c) => store.append(record.doc, entry(alice, c))));
    expect(results.map((r) => r.status)).toEqual(['appended', 'appended', 'appended']);
    const onReplica = new Redis(replica.url);
    try {
      // WAIT returned: the replica already applied the appends (a replica takes the primary's writes in order).
      expect(await onReplica.xlen(`w:{doc:${record.doc}}:log`)).toBe(4);
    } finally {
      onReplica.disconnect();
    }
  });

  it('keeps every acknowledged append when Redis is killed mid-burst, and says so while it is down', async () => {
    const r = await server();
    const store = await openRedisStore({ url: r.url });
    stores.push(store);
    const record = docRecord();
    await store.createDoc(record);
    const author = key();
    const acked = new Map<number, number>();
    const errors: unknown[] = [];
    let counter = 0;
    let killed = false;
    // Bursts of 20 concurrent appends until Redis is gone; Redis dies once 300 are acknowledged.
    while (!killed || errors.length === 0) {
      const burst = Array.from({ length: 20 }, () => ++counter).map((c) =>
        store.append(record.doc, entry(author, c, 64)).then(
          (res) => void acked.set(res.seq, c),
          (err: unknown) => void errors.push(err),
        ),
      );
      if (!killed && acked.size >= 300) {
        killed = true;
        await r.stop('SIGKILL');
      }
      await Promise.all(burst);
    }
    expect(errors.every(storeFailed), String(errors.find((e) => !storeFailed(e)))).toBe(true);
    expect(String(errors[0])).toMatch(/Redis connection is lost/);
    await expect(store.check()).rejects.toSatisfy(storeFailed);
    await expect(store.readSince(record.doc, 0, 10)).rejects.toThrow(/Redis connection is lost/);

    await r.restart();
    await waitFor(() => store.check().then(() => true, () => false), 'the store to reconnect', 20_000);
    const stored = new Map((await store.readSince(record.doc, 0, 1_000_000)).map((e) => [e.seq, e]));
    expect(acked.size).toBeGreaterThanOrEqual(300);
    for (const [seq, c] of acked) {
      expect(stored.get(seq)?.counter, `seq ${seq}`).toBe(c);
      expect(Buffer.from(stored.get(seq)!.envelope).equals(Buffer.from(entry(author, c, 64).envelope))).toBe(true);
    }
    expect([...stored.keys()]).toEqual(Array.from({ length: stored.size }, (_, i) => i + 1));
    // The log goes on where it stood; a resend of an acknowledged entry is a duplicate, not a second copy.
    const [firstSeq, firstCounter] = [...acked][0]!;
    expect(await store.append(record.doc, entry(author, firstCounter, 64))).toEqual({ seq: firstSeq, status: 'duplicate' });
    expect((await store.append(record.doc, entry(key(), 1))).seq).toBe(stored.size + 1);
  });
});
