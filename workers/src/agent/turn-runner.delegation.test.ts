/**
 * Sub-agents: an agent with `delegate` on its list hands a sub-task to another
 * agent, which answers with its own prompt, model and tools narrowed to its
 * own grants; each hop is recorded on the reply with its own model, tokens and
 * cost; hops stop at the depth limit and at the turn's budget.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import type { ChatId, DeviceId, PluginId } from '@tendril/crdt-schema/ids';
import { chatDoc, GENERAL_AGENT_ID, parseProviderId, permissionsDoc, settingsDoc, type AgentToolName } from '@tendril/crdt-schema/schema';
import type { DocSync } from '@tendril/crdt-schema/sync';
import { docsWithClients } from '@tendril/crdt-schema/testkit';
import type { LlmEvent, LlmProvider, LlmRequest } from '../llm/index.ts';
import { memoryChatAccess } from '../plugins/chat-access.ts';
import { grantedAgentTools } from '../tools/agent-tools.ts';
import type { GatewayCommandRequest, GatewayCommands } from '../tools/gateway-commands.ts';
import { TurnRunner } from './turn-runner.ts';

const ME = 'M'.repeat(43) as DeviceId;
const SESSION = 'S'.repeat(22);
const LOCAL = parseProviderId('local');
const info = { session: SESSION, gateway: 'G'.repeat(43), gatewayName: 'laptop', title: 'build' };

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

type Calls = Record<string, { name: string; args: Record<string, unknown> }[]>;

/** Each model makes its scripted tool calls in its first round, then answers "<model>: <tool results>"; 100 in, 10 out per request. */
function scriptedModel(calls: Calls) {
  const requests: LlmRequest[] = [];
  const provider: LlmProvider = {
    id: 'fake',
    async *stream(req): AsyncIterable<LlmEvent> {
      requests.push(req);
      const results = req.messages.filter((m) => m.role === 'tool').map((m) => m.content);
      yield { type: 'usage', inputTokens: 100, outputTokens: 10 };
      if (results.length === 0 && (calls[req.model]?.length ?? 0) > 0) {
        for (const [i, c] of calls[req.model]!.entries()) yield { type: 'tool_call', id: `${req.model}-${i}`, name: c.name, arguments: JSON.stringify(c.args) };
        yield { type: 'done', finishReason: 'tool_calls' };
        return;
      }
      yield { type: 'text', text: `${req.model}: ${results.join(' | ') || 'nothing to do'}` };
      yield { type: 'done', finishReason: 'stop' };
    },
  };
  return { provider, requests };
}

const delegate = (agent: string, task: string) => ({ name: 'delegate', args: { agent, task } });
const runTests = { name: 'run_command', args: { session: SESSION, command: 'npm test' } };

function setup(calls: Calls, agents: { name: string; model: string; tools: AgentToolName[]; granted?: boolean }[]) {
  const [settingsYdoc, permsYdoc, chatYdoc] = docsWithClients(3) as [Y.Doc, Y.Doc, Y.Doc];
  const settings = settingsDoc(settingsYdoc);
  settings.upsertProvider({ id: LOCAL, kind: 'ollama', models: ['boss'] });
  settings.setDefaultModel({ provider: LOCAL, model: 'boss' });
  const permissions = permissionsDoc(permsYdoc);
  const grant = (id: string) => permissions.grants.decide({ plugin: id as PluginId, kind: 'gateway-session', resource: SESSION }, 'granted', ME);
  const added = agents.map((a) => {
    const agent = settings.agents.add({ name: a.name, description: `${a.name} does things`, systemPrompt: `You are ${a.name}.`, provider: LOCAL, model: a.model, tools: a.tools }, ME);
    if (a.granted === true) grant(agent.id);
    return agent;
  });
  // The turn's agent (the assistant, stored by the first add) may delegate and run commands on the session.
  settings.agents.update(GENERAL_AGENT_ID, { tools: ['delegate', 'run_command'], provider: LOCAL, model: 'boss' });
  grant(GENERAL_AGENT_ID);
  const ran: GatewayCommandRequest[] = [];
  const gateway: GatewayCommands = {
    resolve: () => info,
    available: () => [info],
    run: async (r) => {
      ran.push(r);
      return { exitCode: 0, output: 'all 12 tests passed', truncated: false };
    },
  };
  const model = scriptedModel(calls);
  const chat = chatDoc(chatYdoc);
  chat.init({ chatId: 'c'.repeat(22) as ChatId, target: GENERAL_AGENT_ID });
  const r = new TurnRunner({
    me: ME, settleMs: 10, leaseMs: 3_000, workersKnown: () => false, graceMs: 0,
    chooseProvider: (prefer) => ({ provider: model.provider, model: prefer?.model ?? 'boss' }),
    settings: () => settings,
    tools: grantedAgentTools({ permissions, device: ME, chats: memoryChatAccess({ device: ME }), gateway }),
  });
  runners.push(r);
  const answer = async (content: string) => {
    const turn = chat.addMessage({ author: ME, role: 'user', content });
    r.watch({ id: 'c'.repeat(22) as ChatId, sync: { whenSynced: async () => {}, on() {}, off() {}, sendStream: () => false } as unknown as DocSync, chat });
    await until(() => ['done', 'error'].includes(chat.message(turn)?.status ?? ''), 'the turn to end');
    return chat.repliesTo(turn)[0]!;
  };
  return { settings, permissions, ran, requests: model.requests, agents: added, answer };
}

describe('sub-agents', () => {
  it('hands a sub-task to another agent, which answers with its own prompt, model and grant; the hop has its own usage', async () => {
    const t = setup({ boss: [delegate('Coder', 'run the tests')], 'coder-model': [runTests] }, [{ name: 'Coder', model: 'coder-model', tools: ['run_command'], granted: true }]);
    const reply = await t.answer('are the tests green?');
    expect(reply.content).toBe('boss: coder-model: exit code 0\nall 12 tests passed');
    expect(reply.hops).toEqual([{
      agent: t.agents[0]!.id, name: 'Coder', from: 'Assistant', depth: 1, task: 'run the tests', status: 'done',
      result: 'coder-model: exit code 0\nall 12 tests passed', model: 'coder-model', usage: { inputTokens: 200, outputTokens: 20, costUsd: 0 },
    }]);
    // The reply's own usage is the turn's agent's alone.
    expect(reply.usage).toMatchObject({ inputTokens: 200, outputTokens: 20 });
    expect(t.ran.map((r) => r.command)).toEqual(['npm test']);
    const sub = t.requests.find((q) => q.model === 'coder-model')!;
    expect(sub.messages[0]!.content).toContain('You are Coder.');
    expect(sub.messages[1]).toEqual({ role: 'user', content: 'run the tests' });
    expect(sub.tools?.map((s) => s.name)).toEqual(['run_command']);
    expect(t.permissions.activity.read().map((e) => [e.plugin, e.outcome])).toEqual([[t.agents[0]!.id, 'allowed']]);
  });

  it('never gives a sub-agent the delegating agent\'s grants', async () => {
    // Scout lists run_command but holds no grant; the assistant holds one on the very session.
    const t = setup({ boss: [delegate('Scout', 'run the tests')], 'scout-model': [runTests] }, [{ name: 'Scout', model: 'scout-model', tools: ['run_command'] }]);
    const reply = await t.answer('are the tests green?');
    expect(t.ran).toEqual([]);
    expect(t.requests.find((q) => q.model === 'scout-model')!.tools).toBeUndefined();
    expect(reply.hops?.map((h) => [h.name, h.status])).toEqual([['Scout', 'done']]);
    expect(t.permissions.activity.read().filter((e) => e.outcome === 'allowed')).toEqual([]);
  });

  it('lets a sub-agent hand off again within the depth limit, and not beyond it', async () => {
    const agents = [{ name: 'Lead', model: 'lead-model', tools: ['delegate'] as AgentToolName[] }, { name: 'Coder', model: 'coder-model', tools: ['run_command', 'delegate'] as AgentToolName[], granted: true }];
    const calls = { boss: [delegate('Lead', 'get the tests run')], 'lead-model': [delegate('Coder', 'run the tests')], 'coder-model': [runTests, delegate('Lead', 'and again')] };
    const deep = setup(calls, agents);
    const reply = await deep.answer('tests?');
    expect(reply.hops?.map((h) => [h.from, h.name, h.depth, h.status])).toEqual([['Assistant', 'Lead', 1, 'done'], ['Lead', 'Coder', 2, 'done']]);
    // At depth 2 the coder is not offered delegate: its call comes back as no such tool.
    expect(deep.requests.find((q) => q.model === 'coder-model')!.tools?.map((s) => s.name)).toEqual(['run_command']);
    expect(reply.hops![1]!.result).toContain('there is no tool named delegate');
    expect(deep.ran).toHaveLength(1);

    const shallow = setup(calls, agents);
    shallow.settings.setDelegation({ maxDepth: 1 });
    const cut = await shallow.answer('tests?');
    expect(cut.hops?.map((h) => [h.name, h.depth])).toEqual([['Lead', 1]]);
    expect(shallow.requests.find((q) => q.model === 'lead-model')!.tools).toBeUndefined();
    expect(shallow.ran).toEqual([]);
  });

  it('refuses hops over the turn\'s budget of calls, and records the refusal', async () => {
    const t = setup({ boss: [delegate('Coder', 'run the tests'), delegate('Coder', 'run them again')], 'coder-model': [runTests] }, [{ name: 'Coder', model: 'coder-model', tools: ['run_command'], granted: true }]);
    t.settings.setDelegation({ maxCalls: 1 });
    const reply = await t.answer('tests twice?');
    expect(reply.hops?.map((h) => [h.task, h.status])).toEqual([['run the tests', 'done'], ['run them again', 'refused']]);
    expect(reply.hops![1]!.result).toBe('this turn\'s budget of 1 sub-agent calls is spent');
    expect(reply.content).toContain('error: not handed to Coder: this turn\'s budget of 1 sub-agent calls is spent');
    expect(t.ran).toHaveLength(1);
  });

  it('refuses a hop once the turn\'s token budget is spent', async () => {
    const t = setup({ boss: [delegate('Coder', 'run the tests'), delegate('Coder', 'run them again')], 'coder-model': [runTests] }, [{ name: 'Coder', model: 'coder-model', tools: ['run_command'], granted: true }]);
    t.settings.setDelegation({ maxTokens: 200 });
    const reply = await t.answer('tests twice?');
    expect(reply.hops?.map((h) => h.status)).toEqual(['done', 'refused']);
    expect(reply.hops![1]!.result).toBe('this turn\'s budget of 200 sub-agent tokens is spent');
  });

  it('refuses a hop whose model call would pass the spending limit, records why, and calls no sub-agent model', async () => {
    const t = setup({ boss: [delegate('Coder', 'run the tests')], 'coder-model': [runTests] }, [{ name: 'Coder', model: 'coder-model', tools: ['run_command'], granted: true }]);
    t.settings.prices.set({ model: 'coder-model', input: 10_000, output: 0 }); // a cent a token: the hop's prompt alone is past the limit
    t.settings.setSpendLimits({ dailyUsd: 0.05 });
    const reply = await t.answer('are the tests green?');
    expect(reply.hops?.map((h) => h.status)).toEqual(['refused']);
    expect(reply.hops![0]!.result).toMatch(/would pass the daily spending limit of \$0\.05/);
    expect(t.requests.filter((q) => q.model === 'coder-model')).toEqual([]);
    expect(t.ran).toEqual([]);
  });

  it('checks the limits a settings writer stores', () => {
    const [doc] = docsWithClients(1) as [Y.Doc];
    const s = settingsDoc(doc);
    expect(s.delegation()).toEqual({ maxDepth: 2, maxCalls: 6, maxTokens: 200_000 });
    expect(() => s.setDelegation({ maxDepth: 99 })).toThrow(/maxDepth is a whole number from 0 to 5/);
    expect(() => s.setDelegation({ maxCalls: -1 })).toThrow(/maxCalls/);
    doc.getMap('prefs').set('delegation', { maxDepth: 1e9, maxCalls: 'all', maxTokens: 10 });
    expect(s.delegation()).toEqual({ maxDepth: 2, maxCalls: 6, maxTokens: 10 });
  });
});
