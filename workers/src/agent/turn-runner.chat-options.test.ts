/**
 * A chat's own model, system prompt and temperature reach the request the
 * runner sends, while another chat of the same workspace keeps the
 * workspace defaults; a chat preset applied in one step does the same, and
 * clearing the options goes back to the defaults.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import type { ChatId, DeviceId } from '@tendril/crdt-schema/ids';
import { chatDoc, parseProviderId, presetPatch, settingsDoc, type ChatDoc } from '@tendril/crdt-schema/schema';
import type { DocSync } from '@tendril/crdt-schema/sync';
import { docsWithClients } from '@tendril/crdt-schema/testkit';
import type { LlmEvent, LlmProvider, LlmRequest } from '../llm/index.ts';
import { TurnRunner } from './turn-runner.ts';

const ME = 'M'.repeat(43) as DeviceId;
const LOCAL = parseProviderId('local');
const CLOUD = parseProviderId('cloud');

const runners: TurnRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function setup() {
  const [settingsYdoc, aYdoc, bYdoc] = docsWithClients(3) as [Y.Doc, Y.Doc, Y.Doc];
  const settings = settingsDoc(settingsYdoc);
  settings.upsertProvider({ id: LOCAL, kind: 'ollama', models: ['big'] });
  settings.upsertProvider({ id: CLOUD, kind: 'openai', models: ['fast'] });
  settings.setDefaultModel({ provider: LOCAL, model: 'big' });
  settings.setSystemPrompt('workspace prompt');
  const requests: { provider: string; req: LlmRequest }[] = [];
  const fake = (id: string): LlmProvider => ({
    id,
    async *stream(req): AsyncIterable<LlmEvent> {
      requests.push({ provider: id, req });
      yield { type: 'text', text: `answered by ${req.model}` };
      yield { type: 'done', finishReason: 'stop' };
    },
  });
  const providers = { [LOCAL]: fake(LOCAL), [CLOUD]: fake(CLOUD) } as Record<string, LlmProvider>;
  const r = new TurnRunner({
    me: ME, settleMs: 10, leaseMs: 3_000, workersKnown: () => false, graceMs: 0,
    chooseProvider: (prefer) => {
      const ref = prefer ?? settings.defaultModel()!;
      return { provider: providers[ref.provider]!, model: ref.model };
    },
    settings: () => settings,
  });
  runners.push(r);
  const chats = [aYdoc, bYdoc].map((y, n) => {
    const chat = chatDoc(y);
    const id = String(n).repeat(22) as ChatId;
    chat.init({ chatId: id });
    r.watch({ id, sync: { whenSynced: async () => {}, on() {}, off() {}, sendStream: () => false } as unknown as DocSync, chat });
    return chat;
  }) as [ChatDoc, ChatDoc];
  const ask = async (chat: ChatDoc, content: string) => {
    const turn = chat.addMessage({ author: ME, role: 'user', content });
    await until(() => chat.message(turn)?.status === 'done' || chat.message(turn)?.status === 'error', 'the turn to end');
    const reply = chat.repliesTo(turn)[0]!;
    const sent = requests.find((q) => q.req.messages.some((m) => m.role === 'user' && m.content === content))!;
    return { reply, sent };
  };
  return { settings, chats, ask };
}

describe('a chat\'s own model, system prompt and temperature', () => {
  it('are used for that chat only; the other chat keeps the workspace defaults', async () => {
    const t = setup();
    const [mine, other] = t.chats;
    mine.setOptions({ model: { provider: CLOUD, model: 'fast' }, systemPrompt: 'answer in French', temperature: 0.3 });

    const a = await t.ask(mine, 'hello from mine');
    expect(a.sent.provider).toBe(CLOUD);
    expect(a.sent.req.model).toBe('fast');
    expect(a.sent.req.temperature).toBe(0.3);
    expect(a.sent.req.messages[0]).toEqual({ role: 'system', content: 'answer in French' });
    expect(a.reply.model).toBe('fast');

    const b = await t.ask(other, 'hello from other');
    expect(b.sent.provider).toBe(LOCAL);
    expect(b.sent.req.model).toBe('big');
    expect(b.sent.req.temperature).toBeUndefined();
    expect(b.sent.req.messages[0]).toEqual({ role: 'system', content: 'workspace prompt' });
  });

  it('follow a preset applied in one step, and go back to the defaults when cleared', async () => {
    const t = setup();
    const [mine] = t.chats;
    const preset = t.settings.chatPresets.save({ name: 'Terse', model: { provider: CLOUD, model: 'fast' }, temperature: 0 }, ME);
    mine.setOptions({ systemPrompt: 'left over' });
    mine.setOptions(presetPatch(t.settings.chatPresets.get('terse')!));
    expect(mine.options()).toEqual({ model: preset.model, temperature: 0 });

    const a = await t.ask(mine, 'first');
    expect([a.sent.provider, a.sent.req.model, a.sent.req.temperature]).toEqual([CLOUD, 'fast', 0]);
    // The preset left the prompt out: the workspace's applies, not the chat's earlier one.
    expect(a.sent.req.messages[0]).toEqual({ role: 'system', content: 'workspace prompt' });

    mine.setOptions({ model: null, temperature: null });
    const b = await t.ask(mine, 'second');
    expect([b.sent.provider, b.sent.req.model, b.sent.req.temperature]).toEqual([LOCAL, 'big', undefined]);
  });
});
