/**
 * Real devices (the sync engine, sealed Yjs updates) on two relay processes
 * that share one Redis: one device on each writes to the same chat at once
 * and both end with the same messages; a device that moves
 * from one relay to the other mid-session keeps what it had and gets the
 * rest, and neither device reports a protocol problem (no reorder, no
 * rollback, nothing it saw twice out of order).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '@tendril/sync-server/testing/redis-server';
import { eventually, startRelayProcess, tempDir, type RelayProcess } from './harness.ts';
import { makeWorkspace } from './peers.ts';

describe('devices on two relay processes over one Redis', () => {
  const dir = tempDir('two-relays');
  let redis: TestRedis;
  let a: RelayProcess;
  let b: RelayProcess;
  beforeAll(async () => {
    redis = await startRedis();
    a = await startRelayProcess(join(dir.path, 'a'), 0, ['--redis', redis.url]);
    b = await startRelayProcess(join(dir.path, 'b'), 0, ['--redis', redis.url]);
  }, 60_000);
  afterAll(async () => {
    await a?.kill();
    await b?.kill();
    await redis?.cleanup();
    dir.remove();
  });

  it('converge while writing at once, and a device that moves relays mid-session loses nothing', async () => {
    const ws = await makeWorkspace(dir.path, a.url, 1);
    const onA = await ws.open(0, { relay: a.url });
    let onB = await ws.open(1, { relay: b.url });
    const chatA = (await onA.openChat(ws.chat)).chat;
    let chatB = (await onB.openChat(ws.chat)).chat;
    for (const s of [onA, onB]) expect(await s.syncOrQueue(10_000)).toBe('synced');
    const start = chatA.count();
    const N = 15;
    for (let i = 0; i < N; i++) {
      chatA.addMessage({ author: onA.home.identity.deviceId, role: 'user', content: `a${i}` });
      chatB.addMessage({ author: onB.home.identity.deviceId, role: 'user', content: `b${i}` });
    }
    await eventually(() => chatA.count() === start + 2 * N && chatB.count() === start + 2 * N, 20_000, `both hold ${start + 2 * N} messages (${chatA.count()}, ${chatB.count()})`);
    expect(chatB.messageIds().sort()).toEqual(chatA.messageIds().sort());

    // Device 1 moves to relay A while device 0 keeps writing through A.
    for (let i = 0; i < N; i++) chatA.addMessage({ author: onA.home.identity.deviceId, role: 'user', content: `c${i}` });
    await onB.close();
    onB = await ws.open(1, { relay: a.url });
    chatB = (await onB.openChat(ws.chat)).chat;
    expect(await onB.syncOrQueue(10_000)).toBe('synced');
    for (let i = 0; i < N; i++) chatA.addMessage({ author: onA.home.identity.deviceId, role: 'user', content: `d${i}` });
    await eventually(() => chatA.count() === start + 4 * N && chatB.count() === start + 4 * N, 20_000, `both hold ${start + 4 * N} messages`);
    expect(chatB.messageIds().sort()).toEqual(chatA.messageIds().sort());
    expect(onA.peer.seenProblems).toEqual([]);
    expect(onB.peer.seenProblems).toEqual([]);
    await Promise.all([onA.close(), onB.close()]);
  }, 90_000);
});
