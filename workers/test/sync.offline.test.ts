/**
 * A peer offline through 1,000 local and 1,000 remote changes converges with
 * its partner through the real relay, each message exactly once, in the same
 * order on both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, relayFixture } from './harness.ts';
import { makeWorkspace } from './peers.ts';

describe('offline through 1,000 local and 1,000 remote changes', () => {
  const env = relayFixture('offline', { beforeAll, afterAll });

  it('converges, each message exactly once', async () => {
    const ws = await makeWorkspace(env.dir, env.relay.url, 1);
    const online = await ws.open(0);
    const offline = await ws.open(1);
    const { chat: onlineChat } = await online.openChat(ws.chat);
    const { chat: offlineChat } = await offline.openChat(ws.chat);
    expect(await online.syncOrQueue(10_000)).toBe('synced');

    for (let i = 0; i < 1000; i++) {
      onlineChat.addMessage({ author: online.home.identity.deviceId, role: 'user', content: `online ${i}` });
      offlineChat.addMessage({ author: offline.home.identity.deviceId, role: 'user', content: `offline ${i}` });
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    expect(await online.syncOrQueue(20_000)).toBe('synced');
    await offline.index.flush();
    for (const d of offline.peer.docs()) await d.flush();
    expect(offline.peer.unacked).toBeGreaterThan(0);

    expect(await offline.syncOrQueue(30_000)).toBe('synced');
    // The online peer receives the offline peer's entries as live fan-out.
    await eventually(() => onlineChat.count() === 2000, 30_000, 'the online peer to receive every offline message');
    const a = onlineChat.transcript().map((m) => m.id + m.content);
    const b = offlineChat.transcript().map((m) => m.id + m.content);
    expect(a).toHaveLength(2000);
    expect(new Set(a).size).toBe(2000);
    expect(b).toEqual(a);
    for (let i = 0; i < 1000; i++) {
      expect(a.filter((x) => x.endsWith(`online ${i}`))).toHaveLength(1);
      expect(a.filter((x) => x.endsWith(`offline ${i}`))).toHaveLength(1);
    }
    await online.close();
    await offline.close();
  });
});
