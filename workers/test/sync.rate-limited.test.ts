/**
 * A device that opens many documents at once against a relay with a small
 * frame budget: subscribes over the rate are dropped with E_RATE_LIMITED
 * (they carry no ref), and each one is asked again after the delay the
 * relay names, so every document still syncs. Before, a dropped subscribe
 * was only reported, and that document never synced on this connection.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startRelayProcess, tempDir, type RelayProcess } from './harness.ts';
import { makeWorkspace } from './peers.ts';

describe('subscribes over the relay rate', () => {
  const dir = tempDir('rate-limited');
  let relay: RelayProcess;
  beforeAll(async () => {
    relay = await startRelayProcess(join(dir.path, 'relay'), 0, ['--frames-per-second', '20', '--frame-burst', '10']);
  }, 60_000);
  afterAll(async () => {
    await relay?.kill();
    dir.remove();
  });

  it('are asked again after the delay, so every document syncs', async () => {
    const ws = await makeWorkspace(dir.path, relay.url, 1);
    const writer = await ws.open(0);
    expect(await writer.syncOrQueue(20_000)).toBe('synced');
    const chats = Array.from({ length: 30 }, (_, i) => writer.workspace().chats.create({ title: `chat ${i}` }));
    for (const c of chats) (await writer.openChat(c.id)).chat.addMessage({ author: writer.home.identity.deviceId, role: 'user', content: `in ${c.title}` });
    expect(await writer.syncOrQueue(60_000)).toBe('synced');
    await writer.close();

    // A second device opens all 30 at once: far more subscribes than the burst.
    const reader = await ws.open(1);
    expect(await reader.syncOrQueue(20_000)).toBe('synced');
    const opened = await Promise.all(chats.map((c) => reader.openChat(c.id)));
    await eventually(() => opened.every(({ chat }) => chat.count() === 1), 40_000, 'every chat to sync');
    // The relay did refuse subscribes for the rate (else this test would prove nothing).
    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    expect(Number(/tendril_relay_rejected_frames_total\{reason="E_RATE_LIMITED"\} (\d+)/.exec(metrics)?.[1] ?? 0)).toBeGreaterThan(0);
    expect(opened.map(({ chat }) => chat.transcript()[0]!.content).sort()).toEqual(chats.map((c) => `in ${c.title}`).sort());
    await reader.close();
  });
});
