/**
 * `tendril agent add|list|edit|remove|routing` through the real relay, and a
 * worker process answering an `auto` chat as the agent the router model
 * picks (the fake provider scripts the router's answer by model): the
 * transcript shows the route and reason, and the reply says which agent
 * wrote it. The relay's data directory never holds an agent's prompt.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { cli, cliOk, eventually, startRelayProcess, tempDir, type RelayProcess } from './harness.ts';
import { makeWorkspace, useProvider, type Workspace } from './peers.ts';
import { startTendril, type TendrilProcess } from './processes.ts';

const PROMPT_CANARY = 'prompt-canary-3b9d-agents';

/** A worker process on `home`, ready once it answers chats. */
const startWorker = (home: string): TendrilProcess => startTendril(['worker', '--home', home, '--lease-ms', '1500', '--no-plugins'], 'answering chats');

describe('agents from the command line', () => {
  const dir = tempDir('agents');
  let relay: RelayProcess;
  let fake: FakeProvider;
  let ws: Workspace;
  let home: string;
  let worker: ReturnType<typeof startWorker> | undefined;

  beforeAll(async () => {
    relay = await startRelayProcess(join(dir.path, 'relay'));
    fake = await startFakeProvider({
      apiKey: 'sk-test-agents',
      models: { 'router-mini': { text: ['{"agent": "coder", ', '"reason": "asks to run the tests"}'], usage: { inputTokens: 50, outputTokens: 12 } } },
      fallback: { text: ['Tests', ' ran.'] },
    });
    ws = await makeWorkspace(dir.path, relay.url, 0);
    home = ws.homes[0]!;
    await useProvider(ws, { baseUrl: `${fake.url}/v1`, apiKey: 'sk-test-agents' });
  }, 120_000);

  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    await fake?.close();
    await relay?.kill();
    dir.remove();
  });

  it('adds, lists, edits and removes agents, one line per agent', async () => {
    const first = await cliOk('agent', 'list', '--home', home);
    expect(first.out).toHaveLength(1);
    expect(first.out[0]).toMatch(/^agent-builtin-tools-v1 {2}Assistant \(default, built in\) {2}default model {2}tools: search_workspace,web_fetch,run_command,memory,delegate {2}General questions/);

    await cliOk('agent', 'add', '--home', home, '--preset', 'coder', '--prompt', `Run the tests. ${PROMPT_CANARY}`);
    const scout = await cliOk('agent', 'add', '--home', home, '--name', 'Scout', '--description', 'finds things on the web', '--tools', 'web_fetch', '--provider', 'fake', '--model', 'gpt-4o-mini');
    expect(scout.out[0]).toMatch(/^added Scout \([\w-]{22}\): fake\/gpt-4o-mini, tools: web_fetch$/);
    const listed = await cliOk('agent', 'list', '--home', home);
    expect(listed.out.map((l) => l.split(/ {2}/)[1])).toEqual(['Assistant (default)', 'Coder', 'Scout']);

    const dup = await cli('agent', 'add', '--home', home, '--name', 'SCOUT');
    expect(dup.code).toBe(1);
    expect(dup.err.join('\n')).toMatch(/an agent named Scout exists \[E_BAD_INPUT\]/);
    const badTool = await cli('agent', 'add', '--home', home, '--name', 'Rooter', '--tools', 'sudo');
    expect(badTool.err.join('\n')).toMatch(/--tools: no tool sudo/);

    await cliOk('agent', 'edit', '--home', home, 'scout', '--name', 'Finder', '--tools', 'none', '--default-model');
    const json = JSON.parse((await cliOk('agent', 'list', '--home', home, '--json')).last) as { agents: { name: string; tools: string[]; model?: string }[] };
    expect(json.agents.find((a) => a.name === 'Finder')).toMatchObject({ tools: [] });
    expect(json.agents.find((a) => a.name === 'Finder')?.model).toBeUndefined();
    expect(json.agents.map((a) => a.name)).toEqual(['Assistant', 'Coder', 'Finder']);

    await cliOk('agent', 'remove', '--home', home, 'Finder');
    const missing = await cli('agent', 'remove', '--home', home, 'Finder');
    expect(missing.err.join('\n')).toMatch(/no agent Finder; the agents are Assistant, Coder/);
  });

  it('refuses to remove the last agent without --force', async () => {
    await cliOk('agent', 'add', '--home', home, '--name', 'Temp');
    await cliOk('agent', 'remove', '--home', home, 'Assistant');
    await cliOk('agent', 'remove', '--home', home, 'Coder');
    const refused = await cli('agent', 'remove', '--home', home, 'Temp');
    expect(refused.code).toBe(1);
    expect(refused.err.join('\n')).toMatch(/Temp is the last agent: pass --force/);
    await cliOk('agent', 'remove', '--home', home, 'Temp', '--force');
    expect((await cliOk('agent', 'list', '--home', home)).out).toEqual([expect.stringMatching(/ {2}Assistant \(default, built in\) /)]);
    // The shipped agents come back as presets (the assistant under its old id, with its old grants).
    await cliOk('agent', 'add', '--home', home, '--preset', 'coder', '--prompt', `Run the tests. ${PROMPT_CANARY}`);
    const researcher = await cliOk('agent', 'add', '--home', home, '--preset', 'researcher');
    const researcherId = /\(([\w-]{22})\)/.exec(researcher.out[0]!)![1];
    // Grants are made per agent, by its name, and filed under its id.
    await cliOk('plugin', 'grant', '--home', home, 'researcher', 'network', 'https://example.com/x');
    const perms = JSON.parse((await cliOk('plugin', 'list', '--home', home, '--json')).last) as { grants: { plugin: string; kind: string; resource: string }[] };
    expect(perms.grants).toMatchObject([{ plugin: researcherId, kind: 'network', resource: 'example.com' }]);
    expect((await cliOk('agent', 'list', '--home', home)).out.map((l) => l.split(/ {2}/).slice(0, 2).join(' '))).toEqual([
      'agent-builtin-tools-v1 Assistant (default)', expect.stringMatching(/ Coder$/), expect.stringMatching(/ Researcher$/),
    ]);
  });

  it('routes an auto chat to the agent the router picks, answered by a worker, with the route in the transcript', async () => {
    const routing = await cliOk('agent', 'routing', '--home', home, '--router', 'fake/router-mini', '--new-chats', 'auto');
    expect(routing.out.slice(0, 3)).toEqual(['router: fake/router-mini', 'default agent: Assistant', 'new chats: auto']);
    const link = (await cliOk('invite', '--home', home, '--role', 'worker')).last;
    await cliOk('join', '--home', join(dir.path, 'w1'), link, '--name', 'w1');
    worker = startWorker(join(dir.path, 'w1'));
    await worker.ready;

    const chat = (await cliOk('chat', 'new', '--home', home, '--title', 'Build')).last;
    await cliOk('chat', 'send', '--home', home, chat, 'please run the tests');
    const shown = await cliOk('chat', 'show', '--home', home, chat, '--wait-for', 'Tests ran.', '--timeout', '30');
    expect(shown.out).toContain('[route] routed to Coder: asks to run the tests');
    expect(shown.out.join('\n')).toMatch(/\[assistant\] Tests ran\.( \(streaming\))? \[by Coder\]/);
    const answer = fake.requests.find((q) => (q.body as { model?: string }).model === 'gpt-4o-mini')!;
    expect(JSON.stringify(answer.body)).toContain(PROMPT_CANARY);
    const routerAsk = fake.requests.find((q) => (q.body as { model?: string }).model === 'router-mini')!;
    expect(JSON.stringify(routerAsk.body)).not.toContain(PROMPT_CANARY);

    // @name overrides the router for one message.
    await cliOk('chat', 'send', '--home', home, chat, '@researcher what changed upstream?');
    type Shown = { role: string; status: string; route?: { via: string; name: string; usage?: unknown } }[];
    let transcript: Shown = [];
    await eventually(async () => {
      transcript = JSON.parse((await cliOk('chat', 'show', '--home', home, chat, '--json')).last) as Shown;
      return transcript.filter((m) => m.role === 'assistant' && m.status === 'done').length === 2;
    }, 30_000, 'the second reply');
    expect(transcript.filter((m) => m.route).map((m) => [m.route!.via, m.route!.name])).toEqual([['router', 'Coder'], ['mention', 'Researcher']]);
    expect(transcript.find((m) => m.route?.via === 'router')?.route?.usage).toMatchObject({ inputTokens: 50, outputTokens: 12 });
    expect(fake.requests.filter((q) => (q.body as { model?: string }).model === 'router-mini')).toHaveLength(1);
  });

  it('keeps agent prompts off the relay in clear', () => {
    const files = readdirSync(join(dir.path, 'relay'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const bytes = readFileSync(join(dir.path, 'relay', f));
      for (const text of [PROMPT_CANARY, Buffer.from(PROMPT_CANARY).toString('base64'), Buffer.from(PROMPT_CANARY).toString('hex')]) {
        expect(bytes.includes(Buffer.from(text)), `${f} holds the prompt`).toBe(false);
      }
    }
  });
});
