/**
 * A turn answered as an agent: an `auto` chat asks the router model, answers
 * as the agent it names and writes the route and reason on the reply (the
 * router's tokens included); `@name` overrides the router; an answer naming
 * no known agent, or a failed router, falls back to the default agent with a
 * note. An agent runs a terminal command only with its own grant: another
 * agent's grant on the session does not let it, even when the model calls
 * the tool.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import type { ChatId, DeviceId, PluginId } from '@tendril/crdt-schema/ids';
import { chatDoc, GENERAL_AGENT_ID, parseProviderId, permissionsDoc, settingsDoc, type Agent, type ChatTarget } from '@tendril/crdt-schema/schema';
import type { DocSync } from '@tendril/crdt-schema/sync';
import { docsWithClients } from '@tendril/crdt-schema/testkit';
import type { LlmEvent, LlmProvider, LlmRequest } from '../llm/index.ts';
import { memoryChatAccess } from '../plugins/chat-access.ts';
import { grantedAgentTools } from '../tools/agent-tools.ts';
import type { GatewayCommandRequest, GatewayCommands } from '../tools/gateway-commands.ts';
import { TurnRunner } from './turn-runner.ts';

const ME = 'M'.repeat(43) as DeviceId;
const SESSION = 'S'.repeat(22);
const OTHER_SESSION = 'O'.repeat(22);
const info = (session: string) => ({ session, gateway: 'G'.repeat(43), gatewayName: 'laptop', title: 'build' });
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

/** The model: the router model answers `routerSays` (or fails); any other model calls run_command once, then answers. */
function fakeModel(routerSays: () => string | Error) {
  const requests: LlmRequest[] = [];
  const provider: LlmProvider = {
    id: 'fake',
    async *stream(req): AsyncIterable<LlmEvent> {
      requests.push(req);
      if (req.model === 'router-mini') {
        const said = routerSays();
        if (said instanceof Error) throw said;
        yield { type: 'text', text: said };
        yield { type: 'usage', inputTokens: 120, outputTokens: 14 };
      } else if (!req.messages.some((m) => m.role === 'tool')) {
        yield { type: 'tool_call', id: 'call-1', name: 'run_command', arguments: JSON.stringify({ session: SESSION, command: 'npm test' }) };
        yield { type: 'done', finishReason: 'tool_calls' };
        return;
      } else {
        const result = req.messages.find((m) => m.role === 'tool')!.content;
        yield { type: 'text', text: `tool said: ${result.split('\n')[0]}` };
      }
      yield { type: 'done', finishReason: 'stop' };
    },
  };
  return { provider, requests };
}

interface SetupOptions {
  /** Providers this runner cannot call, by id (a tab and a provider only a worker reaches). */
  readonly unreachable?: readonly string[];
  readonly workersKnown?: boolean;
}

function setup(target: ChatTarget | ((agents: { coder: Agent; researcher: Agent }) => ChatTarget), routerSays: () => string | Error = () => '{"agent": "Coder", "reason": "asks to run the tests"}', o: SetupOptions = {}) {
  const [settingsYdoc, permsYdoc, chatYdoc] = docsWithClients(3) as [Y.Doc, Y.Doc, Y.Doc];
  const settings = settingsDoc(settingsYdoc);
  settings.upsertProvider({ id: LOCAL, kind: 'ollama', models: ['big'] });
  settings.setDefaultModel({ provider: LOCAL, model: 'big' });
  settings.setRouterModel({ provider: LOCAL, model: 'router-mini' });
  const coder = settings.agents.addPreset('coder', ME);
  const researcher = settings.agents.addPreset('researcher', ME);
  // The assistant may run commands too, but holds a grant on another session only.
  const permissions = permissionsDoc(permsYdoc);
  permissions.grants.decide({ plugin: coder.id as string as PluginId, kind: 'gateway-session', resource: SESSION }, 'granted', ME);
  permissions.grants.decide({ plugin: GENERAL_AGENT_ID as string as PluginId, kind: 'gateway-session', resource: OTHER_SESSION }, 'granted', ME);
  const ran: GatewayCommandRequest[] = [];
  const gateway: GatewayCommands = {
    resolve: (t) => info(t.session ?? SESSION),
    available: () => [info(SESSION), info(OTHER_SESSION)],
    run: async (r) => {
      ran.push(r);
      return { exitCode: 0, output: 'all 12 tests passed', truncated: false };
    },
  };
  const tools = grantedAgentTools({ permissions, device: ME, chats: memoryChatAccess({ device: ME }), gateway });
  const model = fakeModel(routerSays);
  const chat = chatDoc(chatYdoc);
  chat.init({ chatId: 'c'.repeat(22) as ChatId, target: typeof target === 'function' ? target({ coder, researcher }) : target });
  const r = new TurnRunner({
    me: ME, settleMs: 10, leaseMs: 3_000, workersKnown: () => o.workersKnown ?? false, graceMs: 0, unroutableGraceMs: 1_500,
    chooseProvider: (prefer) => (prefer && o.unreachable?.includes(prefer.provider) ? { error: `this tab cannot call ${prefer.provider}` } : { provider: model.provider, model: prefer?.model ?? 'big' }),
    settings: () => settings,
    tools,
  });
  runners.push(r);
  const ask = (content: string) => {
    const turn = chat.addMessage({ author: ME, role: 'user', content });
    r.watch({ id: 'c'.repeat(22) as ChatId, sync: { whenSynced: async () => {}, on() {}, off() {}, sendStream: () => false } as unknown as DocSync, chat });
    return turn;
  };
  const answered = async (turn: ReturnType<typeof ask>) => {
    await until(() => chat.message(turn)?.status === 'done' || chat.message(turn)?.status === 'error', 'the turn to end');
    return chat.repliesTo(turn)[0]!;
  };
  return { settings, permissions, chat, coder, researcher, ran, requests: model.requests, ask, answered };
}

describe('turns answered as agents', () => {
  it('routes an auto chat with the router model and records the route, its reason and its tokens', async () => {
    const t = setup('auto');
    const reply = await t.answered(t.ask('please run the tests'));
    expect(reply.agent).toEqual({ id: t.coder.id, name: 'Coder' });
    expect(reply.route).toMatchObject({ agent: t.coder.id, name: 'Coder', via: 'router', reason: 'asks to run the tests', model: 'router-mini', usage: { inputTokens: 120, outputTokens: 14 } });
    expect(reply.content).toBe('tool said: exit code 0');
    expect(t.ran.map((r) => [r.session, r.command])).toEqual([[SESSION, 'npm test']]);
    // The router saw every agent's name and description, and not the agents' prompts.
    const routerAsk = t.requests.find((q) => q.model === 'router-mini')!;
    expect(routerAsk.messages[0]!.content).toContain(`- Researcher: ${t.researcher.description}`);
    expect(routerAsk.messages[0]!.content).not.toContain(t.coder.systemPrompt);
    // The answer went out with the coder's prompt and only its tools.
    const answer = t.requests.find((q) => q.model === 'big')!;
    expect(answer.messages[0]!.content).toBe(t.coder.systemPrompt);
    expect(answer.tools?.map((s) => s.name)).toEqual(['run_command']);
    expect(t.permissions.activity.read().map((e) => [e.plugin, e.outcome])).toEqual([[t.coder.id, 'allowed']]);
  });

  it('lets @name in the message override the router', async () => {
    const t = setup('auto', () => new Error('the router must not be asked'));
    const reply = await t.answered(t.ask('what is new on the web? @researcher'));
    expect(reply.agent?.name).toBe('Researcher');
    expect(reply.route).toMatchObject({ via: 'mention', name: 'Researcher' });
    expect(t.requests.some((q) => q.model === 'router-mini')).toBe(false);
  });

  it('falls back to the default agent, with a note, when the router names no known agent or fails', async () => {
    const t = setup('auto', () => '{"agent": "Hacker", "reason": "wants root"}');
    const reply = await t.answered(t.ask('do something'));
    expect(reply.agent).toEqual({ id: GENERAL_AGENT_ID, name: 'Assistant' });
    expect(reply.route).toMatchObject({ via: 'fallback', reason: 'the router named no known agent ("Hacker")', usage: { inputTokens: 120, outputTokens: 14 } });

    const f = setup('auto', () => new Error('503 from the router'));
    const failed = await f.answered(f.ask('do something'));
    expect(failed.agent?.name).toBe('Assistant');
    expect(failed.route?.reason).toMatch(/^the router failed: 503 from the router/);
  });

  it('never lets an agent run a command on a session granted to another agent', async () => {
    // The assistant is offered run_command (it holds a grant on another session); the model aims it at the coder's session.
    const t = setup(GENERAL_AGENT_ID);
    const reply = await t.answered(t.ask('run the tests'));
    expect(reply.agent?.name).toBe('Assistant');
    expect(reply.route).toBeUndefined();
    expect(t.ran).toEqual([]);
    expect(reply.content).toContain('tool said: error: permission denied: gateway-session on');
    expect(t.permissions.activity.read().map((e) => [e.plugin, e.permission, e.resource, e.outcome])).toEqual([[GENERAL_AGENT_ID, 'gateway-session', SESSION, 'denied']]);
  });

  it('offers an agent no tool it is not listed for, even when granted, and a call to it runs nothing', async () => {
    const t = setup(({ researcher }) => researcher.id);
    t.permissions.grants.decide({ plugin: t.researcher.id as string as PluginId, kind: 'gateway-session', resource: SESSION }, 'granted', ME);
    t.permissions.grants.decide({ plugin: t.researcher.id as string as PluginId, kind: 'network', resource: '*' }, 'granted', ME);
    const reply = await t.answered(t.ask('run the tests'));
    expect(reply.agent?.name).toBe('Researcher');
    expect(t.requests.find((q) => q.model === 'big')!.tools?.map((s) => s.name)).toEqual(['web_fetch']);
    expect(t.ran).toEqual([]);
    expect(reply.content).toBe('tool said: error: there is no tool named run_command; the tools are web_fetch');
  });

  it('gives a turn whose agent this tab cannot call back to the workers at once, and ends it only after the wait', async () => {
    const t = setup(({ researcher }) => researcher.id, undefined, { unreachable: ['far'], workersKnown: true });
    t.settings.agents.update(t.researcher.id, { provider: parseProviderId('far'), model: 'remote' });
    const turn = t.ask('look it up');
    await until(() => t.chat.repliesTo(turn)[0]?.status === 'error', 'the turn to be given back');
    expect(t.chat.repliesTo(turn)[0]!.error).toBe('this tab cannot call far (left to a worker)');
    // Back and unclaimed: a worker takes it now (pendingTurns is what a worker scans).
    expect(t.chat.pendingTurns().map((m) => m.id)).toEqual([turn]);
    expect(t.chat.message(turn)?.status).toBe('pending');
    const reply = await t.answered(turn);
    expect(t.chat.message(turn)?.status).toBe('error');
    expect(reply.error).toBe('this tab cannot call far');
    expect(t.requests.filter((q) => q.model === 'remote')).toEqual([]);
  });
});
