/**
 * The Redis store prunes a long log in several short scripts (`pruneChunk`
 * entries each): the result is the same as one step, down to the counts and
 * the `covered` answers for resends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRedisStore } from './redis.ts';
import { appendMany, entry, key, newDoc } from './acceptance-fixtures.ts';
import { startRedis, type TestRedis } from '../testing/redis-server.ts';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
}, 30_000);
afterAll(() => redis?.cleanup());

describe('Redis store pruning', () => {
  it('prunes past one chunk the same as in one step', async () => {
    const store = await openRedisStore({ url: redis.url, prefix: 'prune', pruneChunk: 3 });
    try {
      const doc = await newDoc(store);
      const [alice, bob] = [key(), key()];
      await appendMany(store, doc, alice, 6); // seqs 1..6
      await appendMany(store, doc, bob, 5); // seqs 7..11
      await store.putSnapshot(doc, 10, new Uint8Array([10]));
      expect(await store.prune(doc, 11)).toBe(10);
      expect((await store.readSince(doc, 0, 100)).map((e) => e.seq)).toEqual([11]);
      expect((await store.stats()).entries).toBe(1);
      expect(await store.append(doc, entry(alice, 6))).toEqual({ seq: 10, status: 'covered' });
      expect(await store.append(doc, entry(bob, 4))).toEqual({ seq: 10, status: 'covered' });
      expect(await store.append(doc, entry(bob, 5))).toEqual({ seq: 11, status: 'duplicate' });
      expect(await store.workspaceUsage((await store.getDoc(doc))!.workspace)).toMatchObject({ bytes: entry(bob, 5).envelope.length + 1 });
      expect(await store.prune(doc, 11)).toBe(0);
    } finally {
      await store.close();
    }
  });
});
