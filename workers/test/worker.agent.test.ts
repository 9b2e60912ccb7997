/**
 * The agent worker end to end, with no browser: a chat message sent from one
 * home is answered through the fake provider (OpenAI streaming format) by a
 * worker process; a second home sees the streamed reply; two workers never
 * both answer; killing the worker mid-reply lets the other take over after
 * the lease; Stop ends the provider request; a chat's own model, system
 * prompt and temperature reach the provider while another chat keeps the defaults.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, scenarioMarker, type FakeProvider } from '@tendril/crdt-schema/testkit';
import type { ChatId, MessageId } from '@tendril/crdt-schema/ids';
import { parseProviderId } from '@tendril/crdt-schema/schema';
import { liveRepliesFor, liveReplySigner } from '@tendril/crdt-schema/workspace';
import { cliOk, eventually, ROOT, startRelayProcess, tempDir, type RelayProcess } from './harness.ts';
import { makeWorkspace, useProvider, type Workspace } from './peers.ts';

const SLOW = Array.from({ length: 40 }, (_, i) => `s${i} `);

function startWorker(home: string): { child: ChildProcess; ready: Promise<void>; log: () => string } {
  const child = spawn(process.execPath, [join(ROOT, 'workers/bin/tendril.js'), 'worker', '--home', home, '--lease-ms', '1500'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
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
  return { child, ready, log: () => out + err };
}

describe('agent workers through the real relay', () => {
  const dir = tempDir('workers');
  let relay: RelayProcess;
  let fake: FakeProvider;
  let ws: Workspace;
  const workers: ReturnType<typeof startWorker>[] = [];

  beforeAll(async () => {
    relay = await startRelayProcess(join(dir.path, 'relay'));
    fake = await startFakeProvider({
      apiKey: 'sk-test-worker',
      scenarios: {
        slow: { text: SLOW, chunkDelayMs: 40 },
        endless: { text: ['Thinking'], endless: true, chunkDelayMs: 10 },
      },
      fallback: { text: ['The answer', ' is', ' 42.'], usage: { inputTokens: 12, outputTokens: 4 } },
    });
    ws = await makeWorkspace(dir.path, relay.url, 1);
    await useProvider(ws, { baseUrl: `${fake.url}/v1`, apiKey: 'sk-test-worker' });
    for (const name of ['w1', 'w2']) {
      const link = (await cliOk('invite', '--home', ws.homes[0]!, '--role', 'worker')).last;
      await cliOk('join', '--home', join(dir.path, name), link, '--name', name);
      const w = startWorker(join(dir.path, name));
      workers.push(w);
      await w.ready;
    }
  }, 120_000);

  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await fake?.close();
    await relay?.kill();
    dir.remove();
  });

  async function replies(turn: MessageId) {
    const session = await ws.open(1);
    const { chat, sync } = await session.openChat(ws.chat);
    await session.syncOrQueue(10_000);
    return { session, chat, sync, of: () => chat.transcript().filter((m) => m.parent === turn && m.role === 'assistant') };
  }

  it('answers a message once, streamed, seen by a second home', async () => {
    const sent = await cliOk('chat', 'send', '--home', ws.homes[0]!, ws.chat, 'What is the answer?');
    const turn = sent.last as MessageId;
    const shown = await cliOk('chat', 'show', '--home', ws.homes[1]!, ws.chat, '--wait-for', 'is 42.', '--timeout', '20');
    // The reply may still be marked streaming when its text arrives (status comes in the next change).
    expect(shown.out.join('\n')).toContain('[assistant] The answer is 42.');
    const r = await replies(turn);
    await eventually(() => r.of()[0]?.status === 'done' && r.chat.message(turn)?.status === 'done', 10_000, 'reply done');
    await new Promise((res) => setTimeout(res, 1000));
    const answers = r.of();
    expect(answers).toHaveLength(1);
    expect(answers[0]!.model).toBe('gpt-4o-mini');
    expect(answers[0]!.usage).toMatchObject({ inputTokens: 12, outputTokens: 4 });
    expect(answers[0]!.usage!.firstTokenMs).toBeGreaterThanOrEqual(0);
    expect(answers[0]!.usage!.totalMs).toBeGreaterThanOrEqual(answers[0]!.usage!.firstTokenMs!);
    expect(fake.requests.filter((q) => JSON.stringify(q.body).includes('What is the answer?'))).toHaveLength(1);
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer sk-test-worker');
    await r.session.close();
  });

  it('answers a chat with its own model, system prompt and temperature while another chat keeps the defaults', async () => {
    const own = (await cliOk('chat', 'new', '--home', ws.homes[0]!, '--title', 'Own options')).last as ChatId;
    const session = await ws.open(0);
    const { chat } = await session.openChat(own);
    chat.setOptions({ model: { provider: parseProviderId('fake'), model: 'gpt-4o' }, systemPrompt: 'Answer like a pirate.', temperature: 0.2 });
    expect(await session.syncOrQueue(10_000)).toBe('synced');
    await session.close();
    await cliOk('chat', 'send', '--home', ws.homes[0]!, own, 'Where is the treasure?');
    await cliOk('chat', 'send', '--home', ws.homes[0]!, ws.chat, 'Where is the map?');
    const body = (text: string) => fake.requests.find((q) => JSON.stringify(q.body).includes(text))?.body as { model: string; temperature?: number; messages: { role: string; content: string }[] } | undefined;
    await eventually(() => body('Where is the treasure?') !== undefined && body('Where is the map?') !== undefined, 20_000, 'both requests');
    const mine = body('Where is the treasure?')!;
    expect([mine.model, mine.temperature, mine.messages[0]]).toEqual(['gpt-4o', 0.2, { role: 'system', content: 'Answer like a pirate.' }]);
    const other = body('Where is the map?')!;
    expect(other.model).toBe('gpt-4o-mini');
    expect(other.temperature).toBeUndefined();
    expect(JSON.stringify(other.messages)).not.toContain('pirate');
  });

  it('titles a chat made without a title after its first reply, with the title request counted in the reply\'s usage', async () => {
    const untitled = (await cliOk('chat', 'new', '--home', ws.homes[0]!)).last as ChatId;
    expect((await cliOk('chat', 'list', '--home', ws.homes[0]!)).out.join('\n')).toContain(`${untitled}  New chat`);
    const turn = (await cliOk('chat', 'send', '--home', ws.homes[0]!, untitled, 'Name this chat please')).last as MessageId;
    const session = await ws.open(0);
    const { chat } = await session.openChat(untitled);
    await eventually(async () => {
      await session.syncOrQueue(5_000);
      return session.workspace().chats.get(untitled)?.autoTitled === true;
    }, 20_000, 'the chat titled');
    // The fake provider answers the title request with its fallback text too.
    expect(session.workspace().chats.get(untitled)?.title).toBe('The answer is 42');
    await eventually(() => chat.repliesTo(turn)[0]?.usage?.inputTokens === 24, 10_000, 'the title tokens in the reply\'s usage');
    expect(chat.repliesTo(turn)[0]!.usage).toMatchObject({ inputTokens: 24, outputTokens: 8 });
    const asks = fake.requests.filter((q) => JSON.stringify(q.body).includes('Name this chat please'));
    expect(asks).toHaveLength(2);
    await session.close();
  });

  it('lets the other worker take over after the lease when the answering one is killed', async () => {
    const turn = (await cliOk('chat', 'send', '--home', ws.homes[0]!, ws.chat, `long one ${scenarioMarker('slow')}`)).last as MessageId;
    const r = await replies(turn);
    await eventually(() => (r.of()[0]?.content.length ?? 0) > 10, 20_000, 'the first reply to stream');
    const holder = r.chat.claims.get(turn)!.worker;
    const victim = workers.find((w) => w.log().includes(holder))!;
    expect(victim).toBeDefined();
    victim.child.kill('SIGKILL');
    const partial = r.of()[0]!.content;
    // The other worker finishes the same reply in place, from the text already there, and is named as
    // the one who continued it (the fake provider answers the continuation request with its fallback text).
    await eventually(() => r.of().some((m) => m.status === 'done'), 30_000, 'the other worker to finish the answer');
    const answers = r.of();
    expect(answers).toHaveLength(1);
    expect(answers[0]!.content.startsWith(partial)).toBe(true);
    expect(answers[0]!.content.length).toBeGreaterThan(partial.length);
    expect(answers[0]!.author).toBe(holder);
    expect(answers[0]!.continuedBy).toBeDefined();
    expect(answers[0]!.continuedBy).not.toBe(holder);
    await eventually(() => r.chat.message(turn)!.status === 'done', 10_000, 'the turn marked done');
    await r.session.close();
  });

  it('streams a reply live to another device while storing its text about once a second', async () => {
    const turn = (await cliOk('chat', 'send', '--home', ws.homes[0]!, ws.chat, `count slowly ${scenarioMarker('slow')}`)).last as MessageId;
    const r = await replies(turn);
    const live = liveRepliesFor(r.sync, r.chat, liveReplySigner(r.session.crypto, r.session.home.identity));
    let stored = 0;
    let ahead = 0;
    r.sync.ydoc.on('afterTransaction', (tr) => {
      if (!tr.local && r.of()[0]?.status === 'streaming') stored++;
    });
    live.onChange(() => {
      const m = r.of()[0];
      if (m?.status === 'streaming') ahead = Math.max(ahead, live.text(m).length - m.content.length);
    });
    await eventually(() => r.of()[0]?.status === 'done', 30_000, 'the reply to end');
    expect(r.of()[0]!.content).toBe(SLOW.join(''));
    // Tokens reached this device before their text was stored, and the text was stored in a few
    // writes (about one a second over a 1.6 s reply), not one per 40 ms chunk.
    expect(ahead).toBeGreaterThan(0);
    expect(stored).toBeLessThan(SLOW.length / 3);
    await r.session.close();
  });

  it('stops the provider request when Stop is pressed on another device', async () => {
    const before = fake.requests.length;
    const turn = (await cliOk('chat', 'send', '--home', ws.homes[0]!, ws.chat, `go on forever ${scenarioMarker('endless')}`)).last as MessageId;
    const r = await replies(turn);
    await eventually(() => r.of()[0]?.status === 'streaming' && r.of()[0]!.content.length > 20, 20_000, 'streaming');
    const reply = r.of()[0]!;
    const pressed = Date.now();
    r.chat.requestStop(reply.id, r.session.home.identity.deviceId);
    await eventually(() => r.chat.message(reply.id)?.status === 'stopped', 10_000, 'the reply to stop');
    const request = fake.requests.slice(before).find((q) => JSON.stringify(q.body).includes('go on forever'))!;
    expect(await request.settled).toBe('aborted');
    expect(Date.now() - pressed).toBeLessThan(5000);
    await r.session.close();
  });
});
