/**
 * The shipped daily digest: it reads the last day's chats, asks the model
 * through the host (the fake provider, OpenAI format) and writes a new chat.
 * The API key is used by the host only: nothing that crosses into the
 * plugin thread contains it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import type { ChatId } from '@tendril/crdt-schema/ids';
import { createProvider } from '../src/agent/provider-setup.ts';
import { CHAT_DIGEST_ID } from '../src/plugins/builtin.ts';
import { memoryChatAccess } from '../src/plugins/chat-access.ts';
import { loadManifest } from '../src/plugins/plugin-entry.ts';
import { RunStatus } from '../src/plugins/plugin-runner.ts';
import { ROOT } from './harness.ts';
import { pluginWorld, USER, WORKER } from './plugins.fixtures.ts';

const KEY = 'sk-digest-secret-0123456789';
const NOW = Date.parse('2025-05-20T18:00:00Z');
const HOUR = 3_600_000;

describe('daily digest plugin', () => {
  const w = pluginWorld('digest');
  let clock = NOW - 3 * 24 * HOUR;
  const chats = memoryChatAccess({ device: WORKER, now: () => clock });
  let fake: FakeProvider;
  const crossed: string[] = [];

  async function say(chat: ChatId, role: 'user' | 'assistant', content: string, at: number) {
    clock = at;
    (await chats.open(chat)).addMessage({ author: USER, role, content });
    chats.touch(chat);
  }

  beforeAll(async () => {
    fake = await startFakeProvider({ apiKey: KEY, fallback: { text: ['## Trip\n', 'Booked the train to Lyon.'] } });
    const old = await chats.create('Old project');
    await say(old.id, 'user', 'ancient history about the zeppelin', NOW - 3 * 24 * HOUR);
    const trip = await chats.create('Trip');
    await say(trip.id, 'user', 'which train to Lyon?', NOW - 5 * HOUR);
    await say(trip.id, 'assistant', 'The 9:04 TGV.', NOW - 5 * HOUR + 1000);
    const cooking = await chats.create('Cooking');
    await say(cooking.id, 'user', 'a risotto for four', NOW - 2 * HOUR);
    clock = NOW;
    w.permissions.plugins.install(loadManifest('builtin:chat-digest', ROOT), USER);
  });
  afterAll(async () => {
    await fake.close();
    w.dir.remove();
  });

  const runner = () =>
    w.runner({
      chats,
      now: () => clock,
      model: () => ({ provider: createProvider({ kind: 'openai', baseUrl: `${fake.url}/v1`, apiKey: KEY, model: 'gpt-4o-mini' }), model: 'gpt-4o-mini' }),
      trace: (_dir, m) => void crossed.push(JSON.stringify(m)),
    });

  it('is not run without the model grant, and logs the refusal', async () => {
    w.grant(CHAT_DIGEST_ID, 'read-chats', '*');
    w.grant(CHAT_DIGEST_ID, 'write-chats', 'new');
    const r = await runner().run(CHAT_DIGEST_ID);
    expect(r).toMatchObject({ status: RunStatus.Refused, message: 'not granted: network' });
    expect(w.log(CHAT_DIGEST_ID).at(-1)).toBe('denied network model');
    expect(fake.requests).toHaveLength(0);
  });

  it("summarizes the last day's chats with the configured model into a new chat", async () => {
    w.grant(CHAT_DIGEST_ID, 'network', 'model');
    const r = await runner().run(CHAT_DIGEST_ID);
    expect(r).toMatchObject({ status: RunStatus.Ok, message: 'wrote Digest 2025-05-20: 2 chats summarized with gpt-4o-mini' });

    const digest = chats.list().find((c) => c.title === 'Digest 2025-05-20')!;
    expect(digest).toBeDefined();
    const [message] = (await chats.open(digest.id)).transcript();
    expect(message).toMatchObject({ role: 'assistant', status: 'done', content: '## Trip\nBooked the train to Lyon.', author: WORKER });

    expect(fake.requests).toHaveLength(1);
    const body = JSON.stringify(fake.requests[0]!.body);
    expect(body).toContain('which train to Lyon?');
    expect(body).toContain('The 9:04 TGV.');
    expect(body).toContain('a risotto for four');
    expect(body).not.toContain('zeppelin');
    expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(crossed.length).toBeGreaterThan(5);
    expect(crossed.filter((m) => m.includes(KEY))).toEqual([]);

    expect(w.log(CHAT_DIGEST_ID).slice(-6)).toEqual([
      'allowed read-chats *',
      expect.stringMatching(/^allowed read-chats /),
      expect.stringMatching(/^allowed read-chats /),
      'allowed network model',
      'allowed write-chats new',
      `allowed write-chats ${digest.id}`,
    ]);
  });

  it('writes one digest a day', async () => {
    const r = await runner().run(CHAT_DIGEST_ID);
    expect(r).toMatchObject({ status: RunStatus.Ok, message: 'Digest 2025-05-20 exists already' });
    expect(chats.list().filter((c) => c.title.startsWith('Digest '))).toHaveLength(1);
    expect(fake.requests).toHaveLength(1);
  });
});
