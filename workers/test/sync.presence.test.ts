/**
 * Presence: an encrypted, ephemeral payload sent by one device reaches the
 * other subscribers of the document, authenticated as its sender, and not
 * back to the sender.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceId } from '@tendril/crdt-schema/ids';
import { eventually, relayFixture } from './harness.ts';
import { makeWorkspace } from './peers.ts';

describe('presence', () => {
  const env = relayFixture('presence', { beforeAll, afterAll });

  it('reaches the other viewers of the chat, from its sender', async () => {
    const ws = await makeWorkspace(env.dir, env.relay.url, 1);
    const a = await ws.open(0);
    const b = await ws.open(1);
    const chatA = await a.openChat(ws.chat);
    const chatB = await b.openChat(ws.chat);
    expect(await a.syncOrQueue(10_000)).toBe('synced');
    expect(await b.syncOrQueue(10_000)).toBe('synced');
    const got: { from: DeviceId; text: string }[] = [];
    chatB.sync.on('presence', (from, payload) => got.push({ from, text: new TextDecoder().decode(payload) }));
    const self: string[] = [];
    chatA.sync.on('presence', () => self.push('echo'));
    await eventually(() => {
      chatA.sync.sendPresence(new TextEncoder().encode('{"typing":true}'));
      return got.length > 0;
    }, 10_000, 'presence at the other device');
    expect(got[0]).toEqual({ from: a.home.identity.deviceId, text: '{"typing":true}' });
    expect(self).toEqual([]);
    await a.close();
    await b.close();
  });
});
