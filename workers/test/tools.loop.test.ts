/**
 * The agent's tool loop end to end in one process: the fake provider
 * (OpenAI streaming format, tool-call fragments) asks for tools, the real
 * adapter assembles the calls, the toolbox runs them against the grants
 * (logging each access), the results go back as tool messages, and the
 * final text lands in the reply. Gateway commands run through a recording
 * test double of GatewayCommands.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeProvider, scenarioMarker, type FakeProvider } from '@tendril/crdt-schema/testkit';
import type { MessageId } from '@tendril/crdt-schema/ids';
import type { ChatDoc } from '@tendril/crdt-schema/schema';
import { answerTurn } from '../src/agent/answer-turn.ts';
import { createProvider } from '../src/agent/provider-setup.ts';
import { AGENT_PLUGIN_ID } from '../src/plugins/builtin.ts';
import { agentToolbox } from '../src/tools/agent-tools.ts';
import type { GatewayCommandRequest, GatewayCommandResult, GatewayCommands } from '../src/tools/gateway-commands.ts';
import { LIMIT_NOTE } from '../src/tools/tool-loop.ts';
import { pluginWorld, USER, WORKER } from './plugins.fixtures.ts';

const SESSIONS = [
  { session: 'L'.repeat(22), gateway: 'gw-laptop', gatewayName: 'laptop', title: 'shell' },
  { session: 'S'.repeat(22), gateway: 'gw-server', gatewayName: 'server', title: 'ops' },
];

/** Test double: records every command it is asked to run and answers with a canned result. */
class RecordingGatewayCommands implements GatewayCommands {
  readonly calls: Omit<GatewayCommandRequest, 'signal'>[] = [];
  resolve(t: { gateway?: string; session?: string }) {
    const s = SESSIONS.find((x) => x.session === t.session || (!t.session && x.gateway === t.gateway));
    if (!s) throw new Error(`no session for ${JSON.stringify(t)}`);
    return s;
  }
  available() {
    return SESSIONS;
  }
  async run(request: GatewayCommandRequest): Promise<GatewayCommandResult> {
    const { signal: _signal, ...rest } = request;
    this.calls.push(rest);
    return { exitCode: 0, output: `ran: ${request.command}\n`, truncated: false };
  }
}

const KEY = 'sk-tools-test';
type BodyMessage = { role: string; content: string | null; tool_call_id?: string; tool_calls?: { id: string; function: { name: string; arguments: string } }[] };
const messagesOf = (body: unknown): BodyMessage[] => (body as { messages: BodyMessage[] }).messages;

describe('agent tool loop', () => {
  const w = pluginWorld('tools');
  const gateway = new RecordingGatewayCommands();
  let fake: FakeProvider;
  let site: Server;
  let siteUrl = '';
  let chat: ChatDoc;

  beforeAll(async () => {
    site = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><title>Opening hours</title><body><p>The museum opens at <b>10:00</b>.</p></body></html>');
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    fake = await startFakeProvider({
      apiKey: KEY,
      scenarios: { forever: { toolCalls: [{ id: 'call_again', name: 'search_workspace', arguments: '{"query":"museum"}' }] } },
      fallback: { text: ['unused'] },
    });
    const entry = await w.chats.create('visit');
    chat = await w.chats.open(entry.id);
  });
  afterAll(async () => {
    await fake.close();
    site.closeAllConnections();
    site.close();
    w.dir.remove();
  });
  let before = 0;
  beforeEach(() => {
    before = fake.requests.length;
  });

  async function ask(text: string, o: { maxToolRounds?: number } = {}) {
    const turn = chat.addMessage({ author: USER, role: 'user', content: text });
    const reply = chat.addMessage({ author: WORKER, role: 'assistant', status: 'pending', parent: turn });
    const { outcome } = await answerTurn({
      chat, reply, model: 'gpt-4o-mini', worker: WORKER, stillHolds: () => true,
      provider: createProvider({ kind: 'openai', baseUrl: `${fake.url}/v1`, apiKey: KEY, model: 'gpt-4o-mini' }),
      messages: [{ role: 'user', content: text }],
      tools: agentToolbox({ permissions: w.permissions, device: WORKER, chats: w.chats, gateway }),
      ...o,
    });
    return { outcome, reply: chat.message(reply as MessageId)!, requests: fake.requests.slice(before) };
  }

  it('runs the tool call the model streams, sends the result back, and puts the final text in the reply', async () => {
    w.grant(AGENT_PLUGIN_ID, 'network', new URL(siteUrl).host);
    fake.enqueue(
      { text: ['Let me look.'], toolCalls: [{ id: 'call_1', name: 'web_fetch', arguments: JSON.stringify({ url: `${siteUrl}/hours` }), chunks: ['{"url":', `"${siteUrl}`, '/hours"}'] }] },
      { text: ['It opens', ' at 10:00.'], usage: { inputTokens: 50, outputTokens: 6 } },
    );
    const { outcome, reply, requests } = await ask('When does the museum open?');
    expect(outcome).toBe('done');
    expect(reply).toMatchObject({ status: 'done', content: 'Let me look.\n\nIt opens at 10:00.', model: 'gpt-4o-mini' });
    expect(requests).toHaveLength(2);
    expect((requests[0]!.body as { tools: { function: { name: string } }[] }).tools.map((t) => t.function.name)).toEqual(['search_workspace', 'web_fetch', 'run_command']);
    const sent = messagesOf(requests[1]!.body).slice(-2);
    expect(sent[0]).toMatchObject({ role: 'assistant', content: 'Let me look.', tool_calls: [{ id: 'call_1', function: { name: 'web_fetch', arguments: JSON.stringify({ url: `${siteUrl}/hours` }) } }] });
    expect(sent[1]).toMatchObject({ role: 'tool', tool_call_id: 'call_1' });
    expect(sent[1]!.content).toContain('Title: Opening hours');
    expect(sent[1]!.content).toContain('The museum opens at 10:00.');
    expect(w.log(AGENT_PLUGIN_ID)).toEqual([`allowed network ${new URL(siteUrl).host}`]);
  });

  it('refuses an ungranted fetch, tells the model why, and logs it denied', async () => {
    fake.enqueue(
      { toolCalls: [{ id: 'call_2', name: 'web_fetch', arguments: '{"url":"https://example.org/secret"}' }] },
      { text: ['I am not allowed to fetch that page.'] },
    );
    const { reply, requests } = await ask('Read https://example.org/secret');
    expect(reply).toMatchObject({ status: 'done', content: 'I am not allowed to fetch that page.' });
    const result = messagesOf(requests[1]!.body).at(-1)!;
    expect(result).toMatchObject({ role: 'tool', tool_call_id: 'call_2' });
    expect(result.content).toMatch(/^error: permission denied: network on example.org is not granted to the agent/);
    expect(w.log(AGENT_PLUGIN_ID).at(-1)).toBe('denied network example.org');
  });

  it('runs gateway commands through the injected gateway only where granted', async () => {
    const [laptop, server] = SESSIONS;
    w.grant(AGENT_PLUGIN_ID, 'gateway-session', laptop!.session);
    fake.enqueue(
      {
        interleaveToolCalls: true,
        toolCalls: [
          { id: 'call_a', name: 'run_command', arguments: `{"session":"${laptop!.session}","command":"ls -la"}` },
          { id: 'call_b', name: 'run_command', arguments: '{"gateway":"gw-server","command":"rm -rf /tmp/x"}' },
        ],
      },
      { text: ['Listed the laptop; the server is off limits.'] },
    );
    const { reply, requests } = await ask('list files on both machines');
    expect(reply.content).toBe('Listed the laptop; the server is off limits.');
    expect(gateway.calls).toEqual([{ session: laptop!.session, command: 'ls -la', timeoutMs: 30_000 }]);
    const results = messagesOf(requests[1]!.body).filter((m) => m.role === 'tool');
    expect(results.map((m) => [m.tool_call_id, m.content])).toEqual([
      ['call_a', 'exit code 0\nran: ls -la\n'],
      ['call_b', expect.stringMatching(new RegExp(`^error: permission denied: gateway-session on ${server!.session}`))],
    ]);
    expect(w.log(AGENT_PLUGIN_ID).slice(-2)).toEqual([`allowed gateway-session ${laptop!.session}`, `denied gateway-session ${server!.session}`]);
    const tools = (requests[0]!.body as { tools: { function: { name: string; description: string } }[] }).tools;
    expect(tools.find((t) => t.function.name === 'run_command')!.function.description).toContain(`Sessions: ${laptop!.session} ("shell" on laptop).`);
  });

  it('stops a model that keeps calling tools at the round limit', async () => {
    w.grant(AGENT_PLUGIN_ID, 'read-chats', '*');
    const logged = w.log(AGENT_PLUGIN_ID).length;
    const { outcome, reply, requests } = await ask(`keep searching ${scenarioMarker('forever')}`);
    expect(outcome).toBe('done');
    expect(requests).toHaveLength(6);
    expect(w.log(AGENT_PLUGIN_ID).slice(logged)).toEqual(Array(5).fill('allowed read-chats *'));
    expect(messagesOf(requests[5]!.body).at(-1)).toEqual({ role: 'system', content: LIMIT_NOTE });
    expect(messagesOf(requests[5]!.body).filter((m) => m.role === 'tool')).toHaveLength(5);
    expect(reply).toMatchObject({ status: 'done', content: '(Stopped: the limit of 5 rounds of tool calls was reached.)' });
  });

  it('says so in the reply when the model calls a tool while the agent holds no tool grant', async () => {
    fake.enqueue({ text: ['Let me check.'], toolCalls: [{ id: 'call_x', name: 'run_command', arguments: '{"command":"ls"}' }] });
    const turn = chat.addMessage({ author: USER, role: 'user', content: 'list files' });
    const reply = chat.addMessage({ author: WORKER, role: 'assistant', status: 'pending', parent: turn });
    const { outcome } = await answerTurn({
      chat, reply, model: 'gpt-4o-mini', worker: WORKER, stillHolds: () => true,
      provider: createProvider({ kind: 'openai', baseUrl: `${fake.url}/v1`, apiKey: KEY, model: 'gpt-4o-mini' }),
      messages: [{ role: 'user', content: 'list files' }],
    });
    expect(outcome).toBe('done');
    expect(chat.message(reply as MessageId)!.content).toBe('Let me check.\n\n(The model asked to use the tool run_command, but the agent holds no grant for tools here.)');
  });

  it('honours a smaller round limit', async () => {
    const { requests, reply } = await ask(`again ${scenarioMarker('forever')}`, { maxToolRounds: 2 });
    expect(requests).toHaveLength(3);
    expect(reply.content).toBe('(Stopped: the limit of 2 rounds of tool calls was reached.)');
  });
});
