/**
 * A worker answers a turn with attachments another device sent: it fetches the sealed blobs from
 * the relay, opens them with the chat's keys, and sends the image to the model in the provider's own
 * format (here Anthropic image blocks) and the text file in the message.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { AgentWorker } from '../src/agent/agent-worker.ts';
import { createProvider } from '../src/agent/provider-setup.ts';
import { eventually, startRelayProcess, tempDir, type RelayProcess } from './harness.ts';
import { makeWorkspace } from './peers.ts';

describe('a worker and attachments', () => {
  const dir = tempDir('attachments');
  let relay: RelayProcess;
  let fake: FakeProvider;
  beforeAll(async () => {
    relay = await startRelayProcess(join(dir.path, 'relay'));
    fake = await startFakeProvider({ apiKey: 'sk-ant-attach', fallback: { text: ['A tiny image.'] } });
  }, 60_000);
  afterAll(async () => {
    await fake?.close();
    await relay?.kill();
    dir.remove();
  });

  it('fetches, opens and sends them to the model in its format', async () => {
    const ws = await makeWorkspace(dir.path, relay.url, 1);
    const tab = await ws.open(0);
    const { chat } = await tab.openChat(ws.chat);
    tab.connect();
    const image = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 7, 7, 7]);
    const refs = [
      await tab.attachments.upload(ws.chat, { name: 'dot.png', mime: 'image/png', bytes: image }),
      await tab.attachments.upload(ws.chat, { name: 'todo.md', mime: 'text/markdown', bytes: new TextEncoder().encode('- CANARY-worker-todo') }),
    ];
    const turn = chat.addMessage({ author: tab.home.identity.deviceId, role: 'user', content: 'Describe these', attachments: refs });
    expect(await tab.syncOrQueue(10_000)).toBe('synced');

    const host = await ws.open(1);
    const { chat: seen } = await host.openChat(ws.chat);
    const provider = createProvider({ kind: 'anthropic', baseUrl: fake.url, apiKey: 'sk-ant-attach', model: 'claude-sonnet-4' });
    const worker = new AgentWorker({ session: host, name: 'w', chooseProvider: () => ({ provider, model: 'claude-sonnet-4' }), leaseMs: 600, settleMs: 50 });
    await worker.start();
    await eventually(() => seen.message(turn)?.status === 'done', 20_000, 'the turn to be answered');
    await worker.stop();
    const asked = fake.requests.find((r) => r.images.length > 0)!;
    expect(asked.images).toEqual([{ format: 'anthropic-image', mime: 'image/png', bytes: image }]);
    expect(JSON.stringify(asked.body)).toContain('CANARY-worker-todo');
    await host.close();
    await tab.close();
  });
});
