/**
 * A sub-agent hop answered by a worker process: the chat's agent (scripted
 * by model in the fake provider) calls `delegate`, the other agent answers
 * with its own model, and `tendril chat show` lists the hop with that model
 * and its own tokens; the limits are set with `tendril agent routing`. The
 * relay's data directory never holds the sub-task or the sub-agent's answer.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { cli, cliOk, eventually, startRelayProcess, tempDir, type RelayProcess } from './harness.ts';
import { makeWorkspace, useProvider } from './peers.ts';
import { startTendril, type TendrilProcess } from './processes.ts';

const TASK_CANARY = 'task-canary-51c7-subagents';
const ANSWER_CANARY = 'answer-canary-8e02-subagents';

/** A worker process on `home`, ready once it answers chats. */
const startWorker = (home: string): TendrilProcess => startTendril(['worker', '--home', home, '--lease-ms', '1500', '--no-plugins'], 'answering chats');

describe('sub-agents through a worker', () => {
  const dir = tempDir('subagents');
  let relay: RelayProcess;
  let fake: FakeProvider;
  let home: string;
  let worker: ReturnType<typeof startWorker> | undefined;

  beforeAll(async () => {
    relay = await startRelayProcess(join(dir.path, 'relay'));
    fake = await startFakeProvider({
      apiKey: 'sk-test-sub',
      models: {
        'lead-model': [
          { toolCalls: [{ name: 'delegate', arguments: JSON.stringify({ agent: 'Helper', task: `Find the answer. ${TASK_CANARY}` }) }], usage: { inputTokens: 40, outputTokens: 9 } },
          { text: ['Helper says', ' it is done.'], usage: { inputTokens: 60, outputTokens: 5 } },
        ],
        'helper-model': { text: ['The answer is 42. ', ANSWER_CANARY], usage: { inputTokens: 30, outputTokens: 7 } },
      },
    });
    const ws = await makeWorkspace(dir.path, relay.url, 0);
    home = ws.homes[0]!;
    await useProvider(ws, { baseUrl: `${fake.url}/v1`, apiKey: 'sk-test-sub' });
  }, 120_000);

  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    await fake?.close();
    await relay?.kill();
    dir.remove();
  });

  it('shows the hop with the sub-agent\'s own model and tokens', async () => {
    await cliOk('agent', 'add', '--home', home, '--name', 'Lead', '--description', 'plans work', '--tools', 'delegate', '--provider', 'fake', '--model', 'lead-model');
    await cliOk('agent', 'add', '--home', home, '--name', 'Helper', '--description', 'finds answers', '--tools', 'none', '--provider', 'fake', '--model', 'helper-model');
    const limits = await cliOk('agent', 'routing', '--home', home, '--max-depth', '1', '--max-calls', '3');
    expect(limits.out).toContain('sub-agents: 1 hand-offs deep, 3 calls and 200000 tokens per turn');
    const bad = await cli('agent', 'routing', '--home', home, '--max-depth', '9');
    expect(bad.err.join('\n')).toMatch(/delegation maxDepth is a whole number from 0 to 5/);

    const link = (await cliOk('invite', '--home', home, '--role', 'worker')).last;
    await cliOk('join', '--home', join(dir.path, 'w1'), link, '--name', 'w1');
    worker = startWorker(join(dir.path, 'w1'));
    await worker.ready;
    const chat = (await cliOk('chat', 'new', '--home', home, '--title', 'Sub')).last;
    await cliOk('chat', 'send', '--home', home, chat, '@Lead what is the answer?');
    await eventually(async () => {
      const shown = await cliOk('chat', 'show', '--home', home, chat, '--json');
      const t = JSON.parse(shown.last) as { role: string; status: string }[];
      return t.some((m) => m.role === 'assistant' && m.status === 'done');
    }, 30_000, 'the reply');
    const shown = await cliOk('chat', 'show', '--home', home, chat);
    expect(shown.out).toContain(`[hop] Lead -> Helper (helper-model, 30 in, 7 out): done: The answer is 42. ${ANSWER_CANARY}`);
    expect(shown.out).toContain('[assistant] Helper says it is done. [by Lead]');
    const helperAsk = fake.requests.find((q) => (q.body as { model?: string }).model === 'helper-model')!;
    expect(JSON.stringify(helperAsk.body)).toContain(TASK_CANARY);
    // At the depth limit of 1 the helper is not offered delegate (it lists no tools anyway): no tools at all.
    expect((helperAsk.body as { tools?: unknown }).tools).toBeUndefined();
  });

  it('keeps sub-tasks and sub-agent answers off the relay in clear', () => {
    const files = readdirSync(join(dir.path, 'relay'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const bytes = readFileSync(join(dir.path, 'relay', f));
      for (const text of [TASK_CANARY, ANSWER_CANARY]) {
        for (const enc of [text, Buffer.from(text).toString('base64'), Buffer.from(text).toString('hex')]) expect(bytes.includes(Buffer.from(enc)), `${f} holds ${text}`).toBe(false);
      }
    }
  });
});
