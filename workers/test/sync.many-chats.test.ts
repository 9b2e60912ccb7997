/**
 * A workspace of 3,000 chats on one device, against a real relay with its
 * default document caps. Every chat is its own document and a device follows
 * each one it opens on its one connection: the writer that creates them, a
 * second device that opens them all as `tendril sync` does, and a worker on
 * that device, which finds pending turns by following every chat, all hold
 * 3,000 and more subscriptions. With the former cap of 1,024 documents per
 * connection the rest were refused (E_TOO_MANY_DOCS) and never synced.
 * The frame rate is raised so that 6,000 subscribes and appends do not queue
 * behind the default budget for minutes (retrying after E_RATE_LIMITED is
 * tested in sync.rate-limited.test.ts); the document caps stay the defaults.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageStatus } from '@tendril/crdt-schema/schema';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { AgentWorker } from '../src/agent/agent-worker.ts';
import { createProvider } from '../src/agent/provider-setup.ts';
import { eventually, startRelayProcess, tempDir, type RelayProcess } from './harness.ts';
import { makeWorkspace } from './peers.ts';

const CHATS = 3000;

describe('a workspace of 3,000 chats', () => {
  const dir = tempDir('many-chats');
  let relay: RelayProcess;
  let fake: FakeProvider;
  beforeAll(async () => {
    relay = await startRelayProcess(join(dir.path, 'relay'), 0, ['--frames-per-second', '5000', '--frame-burst', '10000']);
    fake = await startFakeProvider({ apiKey: 'sk-many', fallback: { text: ['Found ', 'it.'] } });
  }, 60_000);
  afterAll(async () => {
    await fake?.close();
    await relay?.kill();
    dir.remove();
  });

  it('syncs on one device, and its worker answers a turn in the last chat', async () => {
    const ws = await makeWorkspace(dir.path, relay.url, 1);
    const writer = await ws.open(0);
    expect(await writer.syncOrQueue(20_000)).toBe('synced');
    const me = writer.home.identity.deviceId;
    const chats = Array.from({ length: CHATS }, (_, i) => writer.workspace().chats.create({ title: `chat ${i}` }));
    for (const c of chats) (await writer.openChat(c.id)).chat.addMessage({ author: me, role: 'user', content: `in ${c.title}`, status: MessageStatus.Done });
    expect(await writer.syncOrQueue(300_000)).toBe('synced');

    // The second device opens every document of the workspace on its one connection.
    const reader = await ws.open(1);
    expect(await reader.syncOrQueue(60_000)).toBe('synced');
    expect(await reader.openAll()).toBeGreaterThan(CHATS);
    expect(await reader.syncOrQueue(300_000)).toBe('synced');
    expect(reader.peer.seenProblems.filter((p) => p.code === 'E_TOO_MANY_DOCS')).toEqual([]);
    const contents = await Promise.all(chats.map(async (c) => (await reader.openChat(c.id)).chat.transcript().map((m) => m.content)));
    expect(contents).toEqual(chats.map((c) => [`in ${c.title}`]));

    // Its worker follows them all too: a turn written in the last chat is noticed and answered.
    const provider = createProvider({ kind: 'openai', baseUrl: `${fake.url}/v1`, apiKey: 'sk-many', model: 'gpt-4o-mini' });
    const worker = new AgentWorker({ session: reader, name: 'many', chooseProvider: () => ({ provider, model: 'gpt-4o-mini' }), leaseMs: 3_000, settleMs: 50 });
    await worker.start();
    const last = chats[CHATS - 1]!;
    const { chat } = await writer.openChat(last.id);
    chat.addMessage({ author: me, role: 'user', content: 'anyone here?' });
    await eventually(() => chat.transcript().some((m) => m.role === 'assistant' && m.status === MessageStatus.Done), 120_000, 'the answer in the last chat');
    expect(chat.transcript().filter((m) => m.role === 'assistant').map((m) => m.content)).toEqual(['Found it.']);
    expect(fake.requests).toHaveLength(1);
    await worker.stop();
    await reader.close();
    await writer.close();
  }, 900_000);
});
