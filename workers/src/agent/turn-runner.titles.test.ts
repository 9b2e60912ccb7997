/**
 * Titles after the first reply: the runner that answered asks the chat's
 * model for a title in one extra request whose tokens are added to the
 * reply's usage, and writes it to the chat's entry once; a person's rename
 * made while that request runs is kept; a failed title request changes
 * nothing but the title.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import type { ChatId, DeviceId } from '@tendril/crdt-schema/ids';
import { chatDoc, parseProviderId, settingsDoc, workspaceDoc } from '@tendril/crdt-schema/schema';
import type { DocSync } from '@tendril/crdt-schema/sync';
import { docsWithClients } from '@tendril/crdt-schema/testkit';
import type { LlmEvent, LlmProvider, LlmRequest } from '../llm/index.ts';
import { cleanTitle, TITLE_INSTRUCTION } from './chat-title.ts';
import { TurnRunner } from './turn-runner.ts';

const ME = 'M'.repeat(43) as DeviceId;
const LOCAL = parseProviderId('local');

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

const isTitleAsk = (req: LlmRequest): boolean => req.messages[0]?.content === TITLE_INSTRUCTION;

/** The model answers turns with text and 10+5 tokens; a title request gets `title()` (which may wait or fail) and 7+3 tokens. */
function setup(title: () => Promise<string>) {
  const [settingsYdoc, wsYdoc, chatYdoc] = docsWithClients(3) as [Y.Doc, Y.Doc, Y.Doc];
  const settings = settingsDoc(settingsYdoc);
  settings.upsertProvider({ id: LOCAL, kind: 'ollama', models: ['big', 'small'] });
  settings.setDefaultModel({ provider: LOCAL, model: 'big' });
  const ws = workspaceDoc(wsYdoc);
  const entry = ws.chats.create({ title: 'New chat', untitled: true });
  const requests: LlmRequest[] = [];
  const provider: LlmProvider = {
    id: 'fake',
    async *stream(req): AsyncIterable<LlmEvent> {
      requests.push(req);
      if (isTitleAsk(req)) {
        yield { type: 'text', text: await title() };
        yield { type: 'usage', inputTokens: 7, outputTokens: 3 };
      } else {
        yield { type: 'text', text: 'Hyperion, 116 m.' };
        yield { type: 'usage', inputTokens: 10, outputTokens: 5 };
      }
      yield { type: 'done', finishReason: 'stop' };
    },
  };
  const logs: string[] = [];
  const r = new TurnRunner({
    me: ME, settleMs: 10, leaseMs: 3_000, workersKnown: () => false, graceMs: 0,
    chooseProvider: (prefer) => ({ provider, model: prefer?.model ?? 'big' }),
    settings: () => settings,
    titles: (id) => (id === entry.id ? { wantsTitle: () => ws.chats.wantsTitle(id), setAutoTitle: (t) => ws.chats.setAutoTitle(id, t) } : null),
    log: (line) => logs.push(line),
  });
  runners.push(r);
  const chat = chatDoc(chatYdoc);
  chat.init({ chatId: entry.id });
  r.watch({ id: entry.id as ChatId, sync: { whenSynced: async () => {}, on() {}, off() {}, sendStream: () => false } as unknown as DocSync, chat });
  const ask = async (content: string) => {
    const turn = chat.addMessage({ author: ME, role: 'user', content, follows: chat.branch().messages.at(-1)?.id });
    await until(() => chat.message(turn)?.status === 'done', 'the turn to end');
    return chat.repliesTo(turn)[0]!;
  };
  return { ws, id: entry.id, chat, requests, ask, logs, titled: () => requests.filter(isTitleAsk) };
}

describe('chat titles after the first reply', () => {
  it('are written once with the chat\'s model, and their tokens count in the reply\'s usage', async () => {
    const t = setup(async () => '"Tallest tree on Earth."');
    t.chat.setOptions({ model: { provider: LOCAL, model: 'small' } });
    const reply = await t.ask('How tall is the tallest tree?');
    await until(() => t.ws.chats.get(t.id)?.autoTitled === true, 'the title');
    expect(t.ws.chats.get(t.id)?.title).toBe('Tallest tree on Earth');
    const asks = t.titled();
    expect(asks).toHaveLength(1);
    expect(asks[0]!.model).toBe('small');
    expect(asks[0]!.messages[1]!.content).toContain('How tall is the tallest tree?');
    expect(asks[0]!.messages[1]!.content).toContain('Hyperion');
    await until(() => t.chat.message(reply.id)?.usage?.inputTokens === 17, 'the title tokens in the usage');
    expect(t.chat.message(reply.id)?.usage).toMatchObject({ inputTokens: 17, outputTokens: 8 });

    await t.ask('And the oldest?');
    expect(t.titled()).toHaveLength(1);
    expect(t.ws.chats.get(t.id)?.title).toBe('Tallest tree on Earth');
  });

  it('keep a rename the user made while the title was being asked for', async () => {
    let release!: (title: string) => void;
    const asked = new Promise<string>((r) => (release = r));
    const t = setup(() => asked);
    await t.ask('How tall is the tallest tree?');
    await until(() => t.titled().length === 1, 'the title request');
    t.ws.chats.rename(t.id, 'Trees (mine)');
    release('Tallest tree');
    // The title's tokens are recorded just before the title would be written: once they are, the runner is done with it.
    await until(() => (t.chat.transcript().find((m) => m.role === 'assistant')?.usage?.inputTokens ?? 0) === 17, 'the title answer to be taken');
    expect(t.ws.chats.get(t.id)).toMatchObject({ title: 'Trees (mine)', named: true, autoTitled: false });
  });

  it('leave the chat untitled, and the turn answered, when the title request fails', async () => {
    const t = setup(async () => {
      throw new Error('model overloaded');
    });
    const reply = await t.ask('How tall is the tallest tree?');
    await until(() => t.logs.some((l) => l.includes('not titled: model overloaded')), 'the failure logged');
    expect(t.ws.chats.get(t.id)).toMatchObject({ title: 'New chat', autoTitled: false });
    expect(t.chat.message(reply.id)).toMatchObject({ status: 'done', content: 'Hyperion, 116 m.' });
  });
});

describe('cleanTitle', () => {
  it('keeps the first line without quotes, heading marks, a label or a final full stop, and cuts it to 80 characters', () => {
    expect(cleanTitle('# "Trip to Lisbon".\nmore')).toBe('Trip to Lisbon');
    expect(cleanTitle('Title: Budget review')).toBe('Budget review');
    expect(cleanTitle('   ')).toBe('');
    expect(cleanTitle('a\u0007b')).toBe('a b');
    expect(cleanTitle('w'.repeat(200))).toHaveLength(80);
  });
});
