/**
 * Plans you approve, through the turn runner: a turn in plan mode is answered
 * with a plan (nothing runs); approving steps 1 and 3 of three runs exactly
 * those, in order, with each result under its step and in the activity log;
 * a rejected plan runs nothing; a step on a session the agent holds no grant
 * for fails with the reason, logged; a plan whose agent was removed runs
 * nothing; a step found running (its runner went away) is never repeated.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import type { ChatId, DeviceId, MessageId, PluginId } from '@tendril/crdt-schema/ids';
import { chatDoc, parseProviderId, permissionsDoc, settingsDoc } from '@tendril/crdt-schema/schema';
import type { DocSync } from '@tendril/crdt-schema/sync';
import { docsWithClients } from '@tendril/crdt-schema/testkit';
import type { LlmEvent, LlmProvider, LlmRequest } from '../llm/index.ts';
import { memoryChatAccess } from '../plugins/chat-access.ts';
import { grantedAgentTools, planAgentTools } from '../tools/agent-tools.ts';
import type { GatewayCommandRequest, GatewayCommands } from '../tools/gateway-commands.ts';
import { TurnRunner } from './turn-runner.ts';

const ME = 'M'.repeat(43) as DeviceId;
const SESSION = 'S'.repeat(22);
const UNGRANTED = 'U'.repeat(22);
const LOCAL = parseProviderId('local');
const info = (session: string) => ({ session, gateway: 'G'.repeat(43), gatewayName: 'laptop', title: 'build' });

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

const PLAN = JSON.stringify({
  summary: 'Build and test',
  steps: [
    { kind: 'command', title: 'install', session: SESSION, command: 'echo one' },
    { kind: 'command', title: 'clean everything', session: SESSION, command: 'echo two' },
    { kind: 'command', title: 'test', session: SESSION, command: 'echo three' },
  ],
});

function setup(answer: string = PLAN, o: { noTerminal?: boolean } = {}) {
  const [settingsYdoc, permsYdoc, chatYdoc] = docsWithClients(3) as [Y.Doc, Y.Doc, Y.Doc];
  const settings = settingsDoc(settingsYdoc);
  settings.upsertProvider({ id: LOCAL, kind: 'ollama', models: ['big'] });
  settings.setDefaultModel({ provider: LOCAL, model: 'big' });
  const coder = settings.agents.addPreset('coder', ME);
  const permissions = permissionsDoc(permsYdoc);
  permissions.grants.decide({ plugin: coder.id as string as PluginId, kind: 'gateway-session', resource: SESSION }, 'granted', ME);
  const ran: GatewayCommandRequest[] = [];
  const gateway: GatewayCommands = {
    resolve: (t) => info(t.session ?? SESSION),
    available: () => [info(SESSION), info(UNGRANTED)],
    run: async (r) => {
      ran.push(r);
      return { exitCode: 0, output: `out of ${r.command}`, truncated: false };
    },
  };
  const requests: LlmRequest[] = [];
  const provider: LlmProvider = {
    id: 'fake',
    async *stream(req): AsyncIterable<LlmEvent> {
      requests.push(req);
      yield { type: 'text', text: answer };
      yield { type: 'usage', inputTokens: 50, outputTokens: 40 };
      yield { type: 'done', finishReason: 'stop' };
    },
  };
  const chat = chatDoc(chatYdoc);
  const chatId = 'c'.repeat(22) as ChatId;
  chat.init({ chatId, target: coder.id });
  const toolOptions = { permissions, device: ME, chats: memoryChatAccess({ device: ME }), gateway };
  const r = new TurnRunner({
    me: ME, settleMs: 10, leaseMs: 3_000, workersKnown: () => false, graceMs: 0,
    chooseProvider: () => ({ provider, model: 'big' }),
    settings: () => settings,
    tools: grantedAgentTools(toolOptions),
    // A runner with no terminal connection (a tab) has no run_command to offer.
    plans: () => planAgentTools(o.noTerminal === true ? { ...toolOptions, gateway: undefined } : toolOptions),
  });
  runners.push(r);
  const sync = { whenSynced: async () => {}, on() {}, off() {}, sendStream: () => false } as unknown as DocSync;
  let watching = false;
  const watch = () => {
    if (!watching) r.watch({ id: chatId, sync, chat });
    watching = true;
  };
  const propose = async (content = 'build and test it'): Promise<MessageId> => {
    const turn = chat.addMessage({ author: ME, role: 'user', content, planMode: true });
    watch();
    await until(() => ['done', 'error'].includes(chat.message(turn)?.status ?? ''), 'the turn to end');
    return chat.repliesTo(turn)[0]!.id;
  };
  const log = () => permissions.activity.read().map((e) => `${(e.plugin as string) === coder.id ? 'coder' : e.plugin} ${e.outcome} ${e.resource} ${e.detail ?? ''}`.trim());
  return { settings, permissions, chat, coder, ran, requests, propose, log, scan: () => r.scanAll() };
}

describe('plans you approve', () => {
  it('answers a plan-mode turn with a plan and runs nothing until it is approved', async () => {
    const t = setup();
    const reply = await t.propose();
    const m = t.chat.message(reply)!;
    expect(m.content).toBe('Build and test\n1. install\n2. clean everything\n3. test');
    expect(m.plan).toMatchObject({ state: 'proposed', steps: [{ command: 'echo one', decision: 'pending' }, { command: 'echo two' }, { command: 'echo three' }] });
    expect(m.usage).toMatchObject({ inputTokens: 50, outputTokens: 40 });
    // The agent was told its tools (the granted session among them) and the plan's shape.
    expect(t.requests[0]!.messages.at(-1)!.content).toContain('Answer with JSON only');
    expect(t.requests[0]!.messages.at(-1)!.content).toContain(SESSION);
    expect(t.ran).toEqual([]);
  });

  it('runs only the approved steps, in order, with each result under its step and in the activity log', async () => {
    const t = setup();
    const reply = await t.propose();
    t.chat.approvePlan(reply, ME, [0, 2]);
    await until(() => t.chat.plan(reply)?.state === 'done', 'the plan to run');
    expect(t.ran.map((r) => r.command)).toEqual(['echo one', 'echo three']);
    expect(t.chat.plan(reply)!.steps.map((s) => [s.status, s.result])).toEqual([
      ['done', 'exit code 0\nout of echo one'], ['skipped', ''], ['done', 'exit code 0\nout of echo three'],
    ]);
    expect(t.log()).toEqual([`coder allowed ${SESSION} ran \`echo one\` -> exit 0`, `coder allowed ${SESSION} ran \`echo three\` -> exit 0`]);
    expect(t.chat.claims.get(reply)).toBeUndefined();
  });

  it('runs nothing of a rejected plan', async () => {
    const t = setup();
    const reply = await t.propose();
    t.chat.rejectPlan(reply, ME);
    // A later turn in the same chat is answered: the runner looked at the chat again, and still ran nothing.
    await t.propose('and now?');
    expect(t.chat.plan(reply)?.state).toBe('rejected');
    expect(t.ran).toEqual([]);
    expect(t.log()).toEqual([]);
  });

  it('fails an approved step on a session the agent holds no grant for, with the reason, logged', async () => {
    const t = setup(JSON.stringify({ summary: 's', steps: [{ kind: 'command', title: 'elsewhere', session: UNGRANTED, command: 'echo nope' }, { kind: 'notify', title: 'tell', text: 'all done' }] }));
    const reply = await t.propose();
    t.chat.approvePlan(reply, ME);
    await until(() => t.chat.plan(reply)?.state === 'done', 'the plan to run');
    expect(t.ran).toEqual([]);
    expect(t.chat.plan(reply)!.steps.map((s) => s.status)).toEqual(['failed', 'done']);
    expect(t.chat.plan(reply)!.steps[0]!.result).toMatch(new RegExp(`^error: permission denied: gateway-session on ${UNGRANTED} is not granted to the agent`));
    expect(t.log()).toEqual([`coder denied ${UNGRANTED} run \`echo nope\``, `coder allowed ${'c'.repeat(22)} plan step 2 (notify): tell: all done`]);
  });

  it('writes a file step through the session, content never as shell', async () => {
    const t = setup(JSON.stringify({ summary: 's', steps: [{ kind: 'file', title: 'notes', session: SESSION, path: 'docs/notes.txt', content: "it's $(rm -rf ~)" }, { kind: 'file', title: 'escape', session: SESSION, path: '../x', content: 'x' }] }));
    const reply = await t.propose();
    t.chat.approvePlan(reply, ME);
    await until(() => t.chat.plan(reply)?.state === 'done', 'the plan to run');
    expect(t.ran.map((r) => r.command)).toEqual([`printf '%s' '${Buffer.from("it's $(rm -rf ~)").toString('base64')}' | base64 -d > 'docs/notes.txt'`]);
    expect(t.chat.plan(reply)!.steps.map((s) => [s.status, s.result.slice(0, 40)])).toEqual([['done', 'wrote docs/notes.txt (16 bytes)'], ['failed', 'error: a file step writes a relative pat']]);
  });

  it('runs nothing when the plan\'s agent was removed, and never repeats a step found running', async () => {
    const t = setup();
    const reply = await t.propose();
    t.settings.agents.addPreset('researcher', ME);
    t.settings.agents.remove(t.coder.id);
    t.chat.approvePlan(reply, ME);
    await until(() => t.chat.plan(reply)?.state === 'done', 'the plan to end');
    expect(t.ran).toEqual([]);
    expect(t.chat.plan(reply)!.steps.map((s) => s.result)).toEqual(['error: the agent Coder was removed', 'error: the agent Coder was removed', 'error: the agent Coder was removed']);

    const u = setup();
    const again = await u.propose();
    u.chat.approvePlan(again, ME);
    // As if a runner had started step 1 and died: its status says running, no claim holds the plan.
    u.chat.setPlanState(again, 'running');
    u.chat.setStepStatus(again, 0, 'running');
    u.scan();
    await until(() => u.chat.plan(again)?.state === 'done', 'the plan to finish');
    expect(u.ran.map((r) => r.command)).toEqual(['echo two', 'echo three']);
    expect(u.chat.plan(again)!.steps[0]).toMatchObject({ status: 'failed', result: 'interrupted: the runner running it went away; not run again' });
  });

  it('hands a step to another agent, which answers with its own model; the hop is on the plan\'s reply', async () => {
    // The fake model answers every request with the plan's text: the researcher's answer is that text too.
    const said = JSON.stringify({ summary: 's', steps: [{ kind: 'handoff', title: 'ask', agent: 'Researcher', task: 'look it up' }, { kind: 'tool', title: 'fetch', tool: 'web_fetch', args: '{"url":"https://example.com"}' }] });
    const t = setup(said);
    const researcher = t.settings.agents.addPreset('researcher', ME);
    t.settings.agents.update(researcher.id, { provider: LOCAL, model: 'small' });
    const reply = await t.propose();
    t.chat.approvePlan(reply, ME);
    await until(() => t.chat.plan(reply)?.state === 'done', 'the plan to run');
    const [handoff, tool] = t.chat.plan(reply)!.steps;
    expect(handoff).toMatchObject({ status: 'done', result: said });
    expect(t.requests.at(-1)!.messages.map((m) => m.content)).toEqual([expect.stringContaining('Coder, another agent of this workspace, hands you the task below'), 'look it up']);
    expect(t.chat.message(reply)!.hops).toMatchObject([{ name: 'Researcher', from: 'Coder', depth: 1, status: 'done', model: 'big' }]);
    // web_fetch is not on the coder's list: the step fails with the reason, logged as denied.
    expect(tool).toMatchObject({ status: 'failed', result: 'error: Coder has no web_fetch tool here (not on its list, or this runner cannot offer it)' });
    expect(t.log()).toEqual([
      `coder allowed ${'c'.repeat(22)} plan step 1 (handoff): ask: handed to Researcher: ${said.slice(0, 300)}`,
      'coder denied web_fetch plan step 2 (tool): fetch: error: Coder has no web_fetch tool here (not on its list, or this runner cannot offer it)',
    ]);
  });

  it('leaves a plan with commands to a runner that has a terminal connection, rather than fail it', async () => {
    const t = setup(PLAN, { noTerminal: true });
    const reply = await t.propose();
    t.chat.approvePlan(reply, ME);
    // The runner looked at the chat again (it answered another turn) and did not take the plan.
    await t.propose('anything else?');
    expect(t.chat.plan(reply)).toMatchObject({ state: 'approved', steps: [{ status: 'waiting' }, { status: 'waiting' }, { status: 'waiting' }] });
    expect(t.chat.claims.get(reply)).toBeUndefined();
  });

  it('ends a turn whose answer is no valid plan with the reason', async () => {
    const t = setup('I would rather just do it.');
    const turn = t.chat.addMessage({ author: ME, role: 'user', content: 'go', planMode: true });
    await t.propose('x').catch(() => undefined);
    await until(() => t.chat.message(turn)?.status === 'error', 'the turn to fail');
    expect(t.chat.repliesTo(turn)[0]!.error).toMatch(/the model answered with no plan/);
    expect(t.ran).toEqual([]);
  });
});
