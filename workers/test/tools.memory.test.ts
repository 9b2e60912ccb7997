/**
 * Agents' memory tools in one process, through the real tool loop: the fake
 * provider scripts the model's calls and computes embeddings (a hashed bag
 * of words with synonym groups, so "preferred hue" is near "favourite
 * colour" while sharing no word with it). A fact one agent stores in one
 * chat is recalled in another chat by meaning; another agent reaches none
 * of it; without an embedding model recall is by words and says so.
 */
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { newAgentId, type MessageId, type PluginId } from '@tendril/crdt-schema/ids';
import { memoryDoc, type MemoryDoc } from '@tendril/crdt-schema/schema';
import { answerTurn } from '../src/agent/answer-turn.ts';
import { createProvider } from '../src/agent/provider-setup.ts';
import { createEmbedder, type Embedder } from '../src/llm/embeddings.ts';
import { AGENT_PLUGIN_ID } from '../src/plugins/builtin.ts';
import { agentToolbox, grantedAgentTools } from '../src/tools/agent-tools.ts';
import { pluginWorld, USER, WORKER } from './plugins.fixtures.ts';

const KEY = 'sk-memory-test';
type BodyMessage = { role: string; content: string | null };
const lastToolResult = (body: unknown): string => (body as { messages: BodyMessage[] }).messages.filter((m) => m.role === 'tool').at(-1)?.content ?? '';

describe('agent memory tools', () => {
  const w = pluginWorld('memory');
  const alice = { id: newAgentId(), tools: ['memory', 'search_workspace'] as ('memory' | 'search_workspace')[] };
  const bob = { id: newAgentId(), tools: ['memory'] as 'memory'[] };
  const docs = new Map<PluginId, MemoryDoc>();
  let fake: FakeProvider;
  let embedder: Embedder | undefined;
  let tools: ReturnType<typeof grantedAgentTools>;

  beforeAll(async () => {
    fake = await startFakeProvider({ apiKey: KEY, fallback: { text: ['ok'] } });
    embedder = createEmbedder({ kind: 'openai', id: 'fake', model: 'text-embedding-3-small', baseUrl: `${fake.url}/v1`, apiKey: KEY });
    tools = grantedAgentTools({
      permissions: w.permissions, device: WORKER, chats: w.chats,
      memory: {
        open: async (plugin) => {
          let d = docs.get(plugin);
          if (!d) docs.set(plugin, (d = memoryDoc(new Y.Doc())));
          return d;
        },
        embedder: () => embedder,
      },
    });
    for (const a of [alice, bob]) w.grant(a.id as string as PluginId, 'memory', '*');
    w.grant(alice.id as string as PluginId, 'read-chats', '*');
  });
  afterAll(async () => {
    await fake.close();
    w.dir.remove();
  });

  async function turn(agent: typeof alice | typeof bob, chatTitle: string, text: string, call: { name: string; args: unknown }) {
    const entry = w.chats.list().find((c) => c.title === chatTitle) ?? (await w.chats.create(chatTitle));
    const chat = await w.chats.open(entry.id);
    const t = chat.addMessage({ author: USER, role: 'user', content: text });
    const reply = chat.addMessage({ author: WORKER, role: 'assistant', status: 'pending', parent: t });
    const before = fake.requests.length;
    fake.enqueue({ toolCalls: [{ id: `call_${before}`, name: call.name, arguments: JSON.stringify(call.args) }] }, { text: ['Done.'] });
    const { outcome } = await answerTurn({
      chat, reply, model: 'gpt-4o-mini', worker: WORKER, stillHolds: () => true,
      provider: createProvider({ kind: 'openai', baseUrl: `${fake.url}/v1`, apiKey: KEY, model: 'gpt-4o-mini' }),
      messages: [{ role: 'user', content: text }],
      tools: tools(agent),
    });
    expect(outcome).toBe('done');
    expect(chat.message(reply as MessageId)?.content).toBe('Done.');
    const chatRequests = fake.requests.slice(before).filter((r) => (r.body as { messages?: unknown }).messages !== undefined);
    return { result: lastToolResult(chatRequests.at(-1)!.body), offered: (chatRequests[0]!.body as { tools?: { function: { name: string } }[] }).tools?.map((x) => x.function.name) ?? [] };
  }

  it('stores a fact with its embedding in one chat and recalls it in another by meaning', async () => {
    const set = await turn(alice, 'Paint', 'Remember what I said about the paint. Also: my dog is called Rex.', { name: 'memory_set', args: { key: 'favourite colour', value: 'teal' } });
    expect(set.offered).toEqual(['search_workspace', 'memory_set', 'memory_get', 'memory_delete', 'memory_search']);
    expect(set.result).toBe('remembered "favourite colour"');
    const stored = docs.get(alice.id as string as PluginId)!.get('favourite colour')!;
    expect(stored.value).toBe('teal');
    expect(stored.embedding?.model).toBe('fake/text-embedding-3-small');

    const found = await turn(alice, 'Walls', 'What should the walls be?', { name: 'memory_search', args: { query: 'preferred hue' } });
    expect(found.result).toMatch(/^Searched your memory and 2 chats by meaning and words \(semantic and keyword search\) for "preferred hue":\n1\. \[memory\] favourite colour: teal/);

    // A chat message is recalled the same way (the puppy is the dog of the first chat).
    const pet = await turn(alice, 'Walls', 'And the pet?', { name: 'memory_search', args: { query: 'what my puppy is called' } });
    expect(pet.result).toMatch(/1\. \[chat "Paint" \([\w-]{22}\), user message\] Remember what I said about the paint\. Also: my dog is called Rex\./);
    expect(w.log(alice.id as string as PluginId)).toContain('allowed memory *');
  });

  it('keeps one agent out of another\'s memory', async () => {
    const search = await turn(bob, 'Walls', 'Which?', { name: 'memory_search', args: { query: 'favourite colour teal' } });
    expect(search.result).toMatch(/^Searched your memory and 0 chats by meaning and words .*\nnothing found\.$/);
    const get = await turn(bob, 'Walls', 'Which?', { name: 'memory_get', args: { key: 'favourite colour' } });
    expect(get.result).toBe('nothing stored under "favourite colour"');
    expect(docs.get(bob.id as string as PluginId)!.list()).toEqual([]);
  });

  it('recalls by words only without an embedding model, and says so', async () => {
    embedder = undefined;
    try {
      const miss = await turn(alice, 'Walls', 'Which one?', { name: 'memory_search', args: { query: 'preferred hue' } });
      expect(miss.result).toMatch(/by words only \(keyword search; no semantic search: no embedding model is set for this workspace/);
      expect(miss.result).not.toContain('teal');
      const hit = await turn(alice, 'Walls', 'And now?', { name: 'memory_search', args: { query: 'favourite colour' } });
      expect(hit.result).toMatch(/by words only .*\n1\. \[memory\] favourite colour: teal/);
    } finally {
      embedder = createEmbedder({ kind: 'openai', id: 'fake', model: 'text-embedding-3-small', baseUrl: `${fake.url}/v1`, apiKey: KEY });
    }
  });

  it('refuses memory tools to an agent without a memory grant', async () => {
    const carol = { id: newAgentId(), tools: ['memory'] as 'memory'[] };
    expect(tools(carol)).toBeUndefined();
    w.grant(carol.id as string as PluginId, 'memory', '*');
    expect(tools(carol)?.specs.map((s) => s.name)).toEqual(['memory_set', 'memory_get', 'memory_delete', 'memory_search']);
    w.revoke(carol.id as string as PluginId, 'memory', '*');
    expect(tools(carol)).toBeUndefined();
    // A call made anyway (the toolbox of every tool, as a model might name one it was not offered) is refused and logged.
    const all = agentToolbox({ permissions: w.permissions, device: WORKER, chats: w.chats, memory: { open: async () => memoryDoc(new Y.Doc()), embedder: () => undefined } });
    expect(await all.execute({ id: 'x', name: 'memory_get', arguments: '{}' }, new AbortController().signal)).toMatch(/^error: permission denied: memory on \* is not granted/);
    expect(w.log(AGENT_PLUGIN_ID).at(-1)).toBe('denied memory *');
  });
});
