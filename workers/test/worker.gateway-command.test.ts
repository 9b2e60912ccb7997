/**
 * The agent's `run_command` on a real terminal session, end to end: a relay,
 * a gateway process, and a worker process whose role holds no terminal keys.
 * Before the user grants the session, the model's call is refused and
 * logged; `plugin grant agent gateway-session SESSION` hands the workers the
 * session's keys and a signed writer place, and the command runs on the
 * gateway with its output and exit status back to the model; the relay never
 * sees the output; taking the writer place away makes the gateway refuse the
 * worker's input even while the grant stands; revoking the grant stops the
 * next call at the gate.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import type { MessageId } from '@tendril/crdt-schema/ids';
import { cliOk, eventually, relayFixture } from './harness.ts';
import { makeWorkspace, useProvider, type Workspace } from './peers.ts';
import { startTendril, type TendrilProcess } from './processes.ts';

type Body = { messages: { role: string; content: string | null; tool_call_id?: string }[]; tools?: { function: { name: string; description: string } }[] };

describe('run_command on a gateway session from a worker', () => {
  const env = relayFixture('gw-command', { beforeAll, afterAll });
  let ws: Workspace;
  let fake: FakeProvider;
  let gateway: TendrilProcess;
  let worker: TendrilProcess;
  let workerId = '';
  let session = '';
  let other = '';
  const admin = () => ws.homes[0]!;

  beforeAll(async () => {
    fake = await startFakeProvider({ apiKey: 'sk-gw', fallback: { text: ['unused'] } });
    ws = await makeWorkspace(env.dir, env.relay.url, 0);
    await useProvider(ws, { baseUrl: `${fake.url}/v1`, apiKey: 'sk-gw' });

    await cliOk('join', '--home', join(env.dir, 'gw'), (await cliOk('invite', '--home', admin(), '--role', 'gateway')).last, '--name', 'gw');
    gateway = startTendril(['gateway', '--home', join(env.dir, 'gw'), '--name', 'gw', '--no-tmux', '--shell', '/bin/sh'], ' running', { PS1: '$ ' });
    await gateway.ready;
    await cliOk('join', '--home', join(env.dir, 'worker'), (await cliOk('invite', '--home', admin(), '--role', 'worker')).last, '--name', 'worker');
    worker = startTendril(['worker', '--home', join(env.dir, 'worker'), '--no-plugins'], 'answering chats');
    await worker.ready;
    workerId = /worker (\S+) answering chats/.exec(worker.log())![1]!;
    session = (await cliOk('term', 'new', '--home', admin(), '--gateway', 'gw')).last;
    // Another session granted from the start: run_command is offered only to an agent granted some session.
    other = (await cliOk('term', 'new', '--home', admin(), '--gateway', 'gw', '--title', 'other')).last;
    await cliOk('plugin', 'grant', '--home', admin(), 'agent', 'gateway-session', other);
  }, 180_000);

  afterAll(async () => {
    worker?.kill();
    gateway?.kill();
    await fake?.close();
  });

  /** Sends a message whose model answer is one run_command call, then a closing text; returns the tool result the model got. */
  async function ask(text: string, args: Record<string, unknown>): Promise<{ result: string; first: Body }> {
    const before = fake.requests.length;
    fake.enqueue({ toolCalls: [{ id: `call_${before}`, name: 'run_command', arguments: JSON.stringify(args) }] }, { text: ['Done.'] });
    const turn = (await cliOk('chat', 'send', '--home', admin(), ws.chat, text)).last as MessageId;
    await eventually(() => fake.requests.length >= before + 2, 60_000, 'the model to be asked twice');
    const first = fake.requests[before]!.body as Body;
    const second = fake.requests[before + 1]!.body as Body;
    const result = second.messages.find((m) => m.role === 'tool' && m.tool_call_id === `call_${before}`)?.content ?? '';
    const s = await ws.open(0);
    const { chat } = await s.openChat(ws.chat);
    await s.syncOrQueue(10_000);
    await eventually(() => chat.message(turn)?.status === 'done', 20_000, 'the turn to finish');
    await s.close();
    return { result, first };
  }

  const logOf = async (): Promise<string[]> => (await cliOk('plugin', 'log', '--home', admin(), '--plugin', 'agent', '--json')).out.flatMap((l) => (JSON.parse(l) as { permission: string; resource: string; outcome: string }[]).map((e) => `${e.outcome} ${e.permission} ${e.resource}`));

  it('refuses the command before the session is granted, and logs the refusal', async () => {
    const { result } = await ask('list the files', { session, command: 'echo nope-$((1+1))' });
    expect(result).toMatch(new RegExp(`^error: permission denied: gateway-session on ${session}`));
    expect(await logOf()).toContain(`denied gateway-session ${session}`);
    const screen = (await cliOk('term', 'show', '--home', admin(), session)).out.join('\n');
    expect(screen).not.toContain('nope-2');
  });

  it('runs the command on the gateway once granted, with output and exit status back to the model', async () => {
    const granted = await cliOk('plugin', 'grant', '--home', admin(), 'agent', 'gateway-session', session);
    expect(granted.err.join('\n')).toContain("the session's keys and a writer place go to 1 worker(s)");
    const writers = await cliOk('term', 'writers', '--home', admin(), session);
    expect(writers.out.map((l) => l.split(' ')[0])).toContain(workerId);
    const { result, first } = await ask('run it', { session, command: "echo cmd-$((20+22))-out; echo 'it''s'; false" });
    expect(result).toBe('exit code 1\ncmd-42-out\nits\n');
    expect(first.tools!.find((t) => t.function.name === 'run_command')!.function.description).toContain(session);
    expect(await logOf()).toContain(`allowed gateway-session ${session}`);
    // The owner's screen shows what the agent ran.
    const shown = await cliOk('term', 'show', '--home', admin(), session, '--wait-for', 'cmd-42-out', '--timeout', '15');
    expect(shown.out.join('\n')).toContain('cmd-42-out');
  });

  it('keeps the output off the relay', () => {
    const dir = join(env.dir, 'relay');
    for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f)).includes(Buffer.from('cmd-42-out')), f).toBe(false);
  });

  it('has the gateway refuse the worker once it is off the writer list, grant or not', async () => {
    await cliOk('term', 'writers', '--home', admin(), session, '--remove', workerId);
    const { result } = await ask('again', { session, command: 'echo refused-$((2+3))', timeout_seconds: 3 });
    expect(result).toMatch(/^timed out/);
    await eventually(() => /input dropped \(not-writer\) from /.test(gateway.log()), 10_000, 'the gateway to log the refusal');
    const screen = (await cliOk('term', 'show', '--home', admin(), session)).out.join('\n');
    expect(screen).not.toContain('refused-5');
  });

  it('stops at the gate once the grant is revoked, and the workers lose the session', async () => {
    await cliOk('plugin', 'grant', '--home', admin(), 'agent', 'gateway-session', session);
    const revoked = await cliOk('plugin', 'revoke', '--home', admin(), 'agent', 'gateway-session', session);
    expect(revoked.err.join('\n')).toContain('the workers no longer hold this session');
    const writers = await cliOk('term', 'writers', '--home', admin(), session);
    expect(writers.out.map((l) => l.split(' ')[0])).not.toContain(workerId);
    const { result } = await ask('once more', { session, command: 'echo late' });
    expect(result).toMatch(/^error: permission denied: gateway-session/);
  });

  it('keeps the grant working after a key rotation (another device revoked): the grant moves to the new epoch', async () => {
    await cliOk('plugin', 'grant', '--home', admin(), 'agent', 'gateway-session', session);
    await cliOk('join', '--home', join(env.dir, 'extra'), (await cliOk('invite', '--home', admin())).last, '--name', 'extra');
    const extra = (await cliOk('devices', 'list', '--home', admin())).out.find((l) => l.includes('extra'))!.split(/\s+/)[0]!;
    await cliOk('devices', 'revoke', '--home', admin(), extra);
    const { result } = await ask('after rotation', { session, command: 'echo rotated-$((3*3))' });
    expect(result).toBe('exit code 0\nrotated-9\n');
  });

  it('gives a worker that joins later the granted session on the next sync of the owner', async () => {
    const late = join(env.dir, 'late-worker');
    await cliOk('join', '--home', late, (await cliOk('invite', '--home', admin(), '--role', 'worker')).last, '--name', 'late');
    const lateId = (await cliOk('devices', 'list', '--home', admin())).out.find((l) => / late/.test(l))!.split(/\s+/)[0]!;
    const synced = await cliOk('sync', '--home', admin());
    expect(synced.err.join('\n')).toContain('gave workers that joined later 2 terminal session grant(s) of the agent');
    expect((await cliOk('term', 'writers', '--home', admin(), session)).out.map((l) => l.split(' ')[0])).toContain(lateId);
    expect((await cliOk('sync', '--home', admin())).err.join('\n')).not.toContain('gave');
  });
});
