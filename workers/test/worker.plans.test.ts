/**
 * Plans you approve, end to end: a relay, a gateway process and a worker
 * process. A message sent with `--plan` is answered with a plan of three
 * commands on a granted terminal session and nothing runs; `tendril plan
 * approve --steps 1,3` makes the worker run exactly steps 1 and 3 on the
 * gateway (their files appear in the session's directory, step 2's never
 * does), with each result under its step (`plan show`) and each command in
 * the activity log; a rejected plan runs nothing. The relay never holds a
 * step's command or output in clear.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { cli, cliOk, eventually, relayFixture } from './harness.ts';
import { makeWorkspace, useProvider, type Workspace } from './peers.ts';
import { startTendril, type TendrilProcess } from './processes.ts';

const CANARY = 'plan-canary-7f31';

describe('plans approved from the command line, run by a worker on a gateway', () => {
  const env = relayFixture('plans', { beforeAll, afterAll });
  let ws: Workspace;
  let fake: FakeProvider;
  let gateway: TendrilProcess;
  let worker: TendrilProcess;
  let session = '';
  let cwd = '';
  const admin = () => ws.homes[0]!;
  const plan = (tag: string) => JSON.stringify({
    summary: `Three steps ${tag}`,
    steps: [1, 2, 3].map((n) => ({ kind: 'command', title: `step ${n}`, session, command: `touch ${tag}-${n} && echo ${CANARY}-${tag}-$((${n}*11))` })),
  });

  beforeAll(async () => {
    fake = await startFakeProvider({ apiKey: 'sk-plans', fallback: { text: ['unused'] } });
    ws = await makeWorkspace(env.dir, env.relay.url, 0);
    await useProvider(ws, { baseUrl: `${fake.url}/v1`, apiKey: 'sk-plans' });
    cwd = join(env.dir, 'gw-cwd');
    mkdirSync(cwd);
    await cliOk('join', '--home', join(env.dir, 'gw'), (await cliOk('invite', '--home', admin(), '--role', 'gateway')).last, '--name', 'gw');
    gateway = startTendril(['gateway', '--home', join(env.dir, 'gw'), '--name', 'gw', '--no-tmux', '--shell', '/bin/sh', '--cwd', cwd], ' running', { PS1: '$ ' });
    await gateway.ready;
    await cliOk('join', '--home', join(env.dir, 'worker'), (await cliOk('invite', '--home', admin(), '--role', 'worker')).last, '--name', 'worker');
    worker = startTendril(['worker', '--home', join(env.dir, 'worker'), '--no-plugins', '--lease-ms', '3000'], 'answering chats');
    await worker.ready;
    session = (await cliOk('term', 'new', '--home', admin(), '--gateway', 'gw')).last;
    await cliOk('plugin', 'grant', '--home', admin(), 'agent', 'gateway-session', session);
  }, 180_000);

  afterAll(async () => {
    worker?.kill();
    gateway?.kill();
    await fake?.close();
  });

  async function propose(tag: string): Promise<void> {
    fake.enqueue({ text: [plan(tag)] });
    await cliOk('chat', 'send', '--home', admin(), ws.chat, `do the ${tag} thing`, '--plan');
    await eventually(async () => (await cli('plan', 'show', '--home', admin(), ws.chat)).out.some((l) => l.includes(`Three steps ${tag}`)), 30_000, 'the plan');
  }

  const logOf = async (): Promise<string[]> => (await cliOk('plugin', 'log', '--home', admin(), '--plugin', 'agent', '--json')).out.flatMap((l) => (JSON.parse(l) as { outcome: string; resource: string; detail?: string }[]).map((e) => `${e.outcome} ${e.resource} ${e.detail ?? ''}`));

  it('proposes a plan and runs nothing before it is approved', async () => {
    await propose('a');
    const shown = await cliOk('plan', 'show', '--home', admin(), ws.chat);
    expect(shown.out[0]).toMatch(/^plan \S+ by Assistant: proposed: Three steps a$/);
    expect(shown.out.slice(1)).toEqual([1, 2, 3].map((n) => `${n}. [pending] step ${n}: command on ${session}: touch a-${n} && echo ${CANARY}-a-$((${n}*11))`));
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('runs only the approved steps 1 and 3, on the gateway, with results under them and in the activity log', async () => {
    const bad = await cli('plan', 'approve', '--home', admin(), ws.chat, '--steps', '1,4');
    expect(bad.err.join('\n')).toMatch(/--steps: no step 4; the plan has 3/);
    const approved = await cliOk('plan', 'approve', '--home', admin(), ws.chat, '--steps', '1,3');
    expect(approved.out[0]).toMatch(/^approved plan \S+: steps 1, 3 of 3 will run in order$/);
    await eventually(async () => (await cliOk('plan', 'show', '--home', admin(), ws.chat)).out[0]!.includes(': done: '), 60_000, 'the plan to run');
    const shown = (await cliOk('plan', 'show', '--home', admin(), ws.chat)).out;
    expect(shown).toContain(`1. [done] step 1: command on ${session}: touch a-1 && echo ${CANARY}-a-$((1*11))`);
    expect(shown).toContain(`   | ${CANARY}-a-11`);
    expect(shown).toContain(`2. [skipped] step 2: command on ${session}: touch a-2 && echo ${CANARY}-a-$((2*11))`);
    expect(shown).toContain(`   | ${CANARY}-a-33`);
    expect(existsSync(join(cwd, 'a-1')) && existsSync(join(cwd, 'a-3'))).toBe(true);
    expect(existsSync(join(cwd, 'a-2'))).toBe(false);
    const log = await logOf();
    expect(log.filter((l) => l.includes('touch a-'))).toEqual([
      `allowed ${session} ran \`touch a-1 && echo ${CANARY}-a-$((1*11))\` -> exit 0`,
      `allowed ${session} ran \`touch a-3 && echo ${CANARY}-a-$((3*11))\` -> exit 0`,
    ]);
  });

  it('runs nothing of a rejected plan', async () => {
    await propose('b');
    const rejected = await cliOk('plan', 'reject', '--home', admin(), ws.chat);
    expect(rejected.out[0]).toMatch(/^rejected plan \S+: none of its 3 steps will run$/);
    expect((await cliOk('plan', 'show', '--home', admin(), ws.chat)).out[0]).toMatch(/: rejected: Three steps b$/);
    // A plan approved after it (c) runs: the worker looked at the chat after the rejection and ran nothing of b.
    await propose('c');
    await cliOk('plan', 'approve', '--home', admin(), ws.chat);
    await eventually(() => existsSync(join(cwd, 'c-3')), 60_000, 'plan c to run');
    expect(readdirSync(cwd).filter((f) => f.startsWith('b-'))).toEqual([]);
    expect((await logOf()).filter((l) => l.includes('touch b-'))).toEqual([]);
    expect((await cli('plan', 'approve', '--home', admin(), ws.chat)).err.join('\n')).toMatch(/no proposed plan in this chat/);
  });

  it('saves the approved plan as a playbook and runs it again by hand', async () => {
    const bad = await cli('playbook', 'save', '--home', admin(), ws.chat, '--name', 'again', '--schedule', 'every minute');
    expect(bad.err.join('\n')).toMatch(/E_BAD_INPUT/);
    // The latest approved plan is c (all three steps).
    const saved = await cliOk('playbook', 'save', '--home', admin(), ws.chat, '--name', 'again', '--schedule', '0 3 * * *');
    expect(saved.out[0]).toBe('saved playbook again: 3 step(s) as Assistant, on schedule 0 3 * * *');
    expect((await cliOk('playbook', 'list', '--home', admin())).out).toEqual([`again  Assistant  3 step(s)  0 3 * * *  chat ${ws.chat}`]);
    const before = (await logOf()).filter((l) => l.includes('touch c-2')).length;
    const started = await cliOk('playbook', 'run', '--home', admin(), 'again');
    expect(started.out[0]).toMatch(/^started playbook again: plan \S+ in chat /);
    await eventually(async () => (await cliOk('plan', 'show', '--home', admin(), ws.chat)).out[0]!.includes(': done: '), 60_000, 'the playbook run');
    expect((await logOf()).filter((l) => l.includes('touch c-2'))).toHaveLength(before + 1);
    await cliOk('playbook', 'remove', '--home', admin(), 'again');
    expect((await cliOk('playbook', 'list', '--home', admin())).out).toEqual([]);
  });

  it('keeps the steps and their output off the relay', () => {
    const dir = join(env.dir, 'relay');
    for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f)).includes(Buffer.from(CANARY)), f).toBe(false);
  });
});
