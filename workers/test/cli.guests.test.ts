/**
 * Guest links from the command line, through a real relay process and a
 * worker process (the fake provider answers): `tendril guest create` prints
 * the link last; `tendril guest send` with a wrong code is refused, with the
 * right one gets the agent's reply as its last line while only the worker is
 * online; a later send with the same visitor file continues the conversation
 * (the agent is sent the earlier turns); the owner ends the link and the next
 * send is refused; the relay's data directory holds no guest message in clear.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { cli, cliOk, ROOT, startRelayProcess, tempDir, type RelayProcess } from './harness.ts';
import { makeWorkspace, useProvider, type Workspace } from './peers.ts';

const CANARY = 'guest-canary-5f1e-xyzzy';

function startWorker(home: string): { child: ChildProcess; ready: Promise<void>; err: () => string } {
  const child = spawn(process.execPath, [join(ROOT, 'workers/bin/tendril.js'), 'worker', '--home', home, '--no-plugins'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('answering chats')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited ${code}: ${err}`)));
  });
  return { child, ready, err: () => err };
}

describe('guest links from the command line', () => {
  const dir = tempDir('guests');
  let relay: RelayProcess;
  let fake: FakeProvider;
  let ws: Workspace;
  let home: string;
  let worker: ReturnType<typeof startWorker> | undefined;
  let link = '';

  beforeAll(async () => {
    relay = await startRelayProcess(join(dir.path, 'relay'));
    fake = await startFakeProvider({ apiKey: 'sk-test-guests', fallback: { text: ['Hello', ', guest.'], usage: { inputTokens: 40, outputTokens: 5 } } });
    ws = await makeWorkspace(dir.path, relay.url, 0);
    home = ws.homes[0]!;
    await useProvider(ws, { baseUrl: `${fake.url}/v1`, apiKey: 'sk-test-guests' });
    const invite = (await cliOk('invite', '--home', home, '--role', 'worker')).last;
    await cliOk('join', '--home', join(dir.path, 'w1'), invite, '--name', 'w1');
    worker = startWorker(join(dir.path, 'w1'));
    await worker.ready;
  }, 120_000);

  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    await fake?.close();
    await relay?.kill();
    dir.remove();
  });

  it('creates a link for an agent, the link last', async () => {
    const created = await cliOk('guest', 'create', '--home', home, '--agent', 'assistant', '--code', '4417-ab', '--expires', '7d', '--max-visitors', '5', '--daily-tokens', '1000');
    link = created.last;
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/guest\/#[\w-]{22}\.[\w-]{43}\.[\w-]{43}$/);
    expect(created.out[0]).toMatch(/^guest link [\w-]{22} for Assistant: code 4417-ab, 5 visitors, 1000 tokens a day each, until /);
    const unknown = await cli('guest', 'create', '--home', home, '--agent', 'nobody');
    expect(unknown.err.join('\n')).toMatch(/no agent nobody; the agents are Assistant/);
  });

  it('refuses a wrong code, and answers the right one with only a worker online', async () => {
    const wrong = await cli('guest', 'send', link, '--code', '0000', 'hello');
    expect(wrong.code).toBe(1);
    expect(wrong.err.join('\n')).toMatch(/\[E_GUEST_CODE\]/);
    const visitor = join(dir.path, 'visitor.json');
    const first = await cliOk('guest', 'send', link, '--code', '4417-ab', '--visitor', visitor, `my name is Ada, ${CANARY}`);
    expect(first.last).toBe('Hello, guest.');
    // The next visit from the same visitor needs no code and carries the conversation to the agent.
    const second = await cliOk('guest', 'send', link, '--visitor', visitor, 'what is my name?');
    expect(second.last).toBe('Hello, guest.');
    const asked = fake.requests.at(-1)!.body as { messages: { role: string; content: string }[]; tools?: unknown };
    expect(asked.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(asked.messages[1]!.content).toContain('my name is Ada');
    expect(asked.tools).toBeUndefined();
  });

  it('keeps guest messages off the relay in clear', () => {
    const files = readdirSync(join(dir.path, 'relay'));
    expect(files).toContain('guests.sqlite');
    for (const f of files) {
      const bytes = readFileSync(join(dir.path, 'relay', f));
      for (const text of [CANARY, Buffer.from(CANARY).toString('base64'), Buffer.from(CANARY).toString('hex')]) {
        expect(bytes.includes(Buffer.from(text)), `${f} holds a guest message`).toBe(false);
      }
    }
  });

  it('lists the link with its visitors and usage, ends one visitor, then the whole link', async () => {
    const id = /#([\w-]{22})\./.exec(link)![1]!;
    const listed = await cliOk('guest', 'list', '--home', home);
    expect(listed.out[0]).toBe(`${id}  Assistant  code 4417-ab  1 visitors (0 ended)`);
    expect(listed.out[1]).toMatch(/^ {2}visitor ([\w-]{8}) {2}since \S+ {2}2 messages {2}90 tokens today$/);
    const prefix = /visitor ([\w-]{8})/.exec(listed.out[1]!)![1]!;
    await cliOk('guest', 'end', '--home', home, id, '--visitor', prefix);
    const ended = await cli('guest', 'send', link, '--visitor', join(dir.path, 'visitor.json'), 'still there?');
    expect(ended.err.join('\n')).toMatch(/\[E_GUEST_ENDED\]/);
    // Another visitor still gets in, until the owner ends the link.
    expect((await cliOk('guest', 'send', link, '--code', '4417-ab', 'hello')).last).toBe('Hello, guest.');
    await cliOk('guest', 'end', '--home', home, id);
    const after = await cli('guest', 'send', link, '--code', '4417-ab', 'still there?');
    expect(after.err.join('\n')).toMatch(/\[E_GUEST_ENDED\]/);
  });

  it('allows guests the tools named by --tools, and refuses a name that is no tool', async () => {
    const bogus = await cli('guest', 'create', '--home', home, '--agent', 'assistant', '--tools', 'web_fetch,rm_rf');
    expect(bogus.code).toBe(1);
    expect(bogus.err.join('\n')).toMatch(/no tool rm_rf; the tools are search_workspace, web_fetch/);
    const created = await cliOk('guest', 'create', '--home', home, '--agent', 'assistant', '--code', '5523', '--tools', 'web_fetch,search_workspace');
    expect(created.out[0]).toMatch(/, guests may use web_fetch, search_workspace$/);
    const id = /#([\w-]{22})\./.exec(created.last)![1]!;
    const listed = await cliOk('guest', 'list', '--home', home);
    expect(listed.out).toContain(`${id}  Assistant  code 5523  0 visitors (0 ended)  tools web_fetch,search_workspace`);
  });
});
