/**
 * No chat turn ever loops: a real worker process (short lease) against the
 * fake provider through the real relay. A message larger than the model's
 * context window ends as one error reply naming the window and stays that
 * way; a provider that fails once is retried within the attempt; a provider
 * that always fails ends as one failed reply after the attempt limit; a broken
 * stream after output and a refused request are not repeated; a worker that
 * dies on every attempt is given up on, the count kept across restarts; deleting
 * a chat aborts the request in flight and stops the retries of its turns; Stop
 * pressed while a turn waits to be tried again ends it for good.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastUserText, scenarioMarker, startFakeProvider, type FakeProvider, type Scenario } from '@tendril/crdt-schema/testkit';
import { newChatId, newDocId, type ChatId, type MessageId } from '@tendril/crdt-schema/ids';
import type { ChatDoc, ChatMessage } from '@tendril/crdt-schema/schema';
import { CONTINUE_NOTE } from '../src/agent/turn-ending.ts';
import { cliOk, eventually, startRelayProcess, tempDir, type RelayProcess } from './harness.ts';
import { makeWorkspace, useProvider, type Workspace } from './peers.ts';
import { startTendril, type TendrilProcess } from './processes.ts';

const LEASE_MS = 1500;
/** Attempts per turn (the worker default) and the backoffs between them (base = the lease, doubling). */
const ATTEMPTS = 3;
const RETRY_WINDOW_MS = LEASE_MS + 2 * LEASE_MS + 3 * LEASE_MS;
const DOWN: Scenario = { failWith: { status: 503, message: 'upstream overloaded' } };
const ENDLESS: Scenario = { text: ['Thinking'], endless: true, chunkDelayMs: 10 };

describe('a chat turn never loops (real worker, fake provider, real relay)', () => {
  const dir = tempDir('noloop');
  let relay: RelayProcess;
  let fake: FakeProvider;
  let ws: Workspace;
  let worker: TendrilProcess;
  let session: Awaited<ReturnType<Workspace['open']>>;

  beforeAll(async () => {
    relay = await startRelayProcess(join(dir.path, 'relay'));
    fake = await startFakeProvider({
      apiKey: 'sk-test-noloop',
      scenarios: {
        flaky: [{ failWith: { status: 503 } }, { text: ['Recovered', ' fine.'] }],
        down: DOWN,
        downDeleted: DOWN,
        downStopped: DOWN,
        endless: ENDLESS,
        broken: { text: ['Half', ' an', ' answer'], errorAfterChunks: 2, errorMessage: 'connection reset' },
        tooLong: { failWith: { status: 400, message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 131000 tokens." } },
      },
      fallback: { text: ['Fine.'] },
    });
    ws = await makeWorkspace(dir.path, relay.url, 1);
    await useProvider(ws, { baseUrl: `${fake.url}/v1`, apiKey: 'sk-test-noloop', model: 'gpt-4o-mini' });
    const link = (await cliOk('invite', '--home', ws.homes[0]!, '--role', 'worker')).last;
    await cliOk('join', '--home', join(dir.path, 'w1'), link, '--name', 'w1');
    worker = await startWorker();
    session = await ws.open(0);
  }, 120_000);

  afterAll(async () => {
    worker?.kill();
    await session?.close();
    await fake?.close();
    await relay?.kill();
    dir.remove();
  });

  async function startWorker(): Promise<TendrilProcess> {
    const w = startTendril(['worker', '--home', join(dir.path, 'w1'), '--lease-ms', String(LEASE_MS)], 'answering chats');
    await w.ready;
    return w;
  }

  async function newChat(title: string): Promise<{ id: ChatId; chat: ChatDoc }> {
    const me = session.home.identity.deviceId;
    const entry = session.workspace().chats.create({ id: newChatId(), docId: newDocId(), title, createdBy: me });
    const { chat } = await session.openChat(entry.id);
    chat.init({ chatId: entry.id, createdBy: me });
    expect(await session.syncOrQueue(10_000)).toBe('synced');
    return { id: entry.id, chat };
  }

  async function send(chat: ChatDoc, content: string): Promise<MessageId> {
    const id = chat.addMessage({ author: session.home.identity.deviceId, role: 'user', content, status: 'pending' });
    expect(await session.syncOrQueue(20_000)).toBe('synced');
    return id;
  }

  const repliesOf = (chat: ChatDoc, turn: MessageId): ChatMessage[] => chat.transcript().filter((m) => m.role === 'assistant' && m.parent === turn);
  /** Requests asking (as their newest user turn) the message containing `text`. */
  const requestsFor = (text: string): number => fake.requests.filter((q) => lastUserText(q.body).includes(text)).length;

  /** Lets the whole retry window (all backoffs and a few scans) go by, the worker still running. */
  async function afterRetryWindow(): Promise<void> {
    const until = Date.now() + RETRY_WINDOW_MS + 2 * LEASE_MS;
    await eventually(() => Date.now() > until, RETRY_WINDOW_MS + 10_000, 'the retry window to pass');
    expect(worker.child.exitCode).toBeNull();
  }

  it('ends a message larger than the context window as exactly one error reply naming the window, and never answers it again', async () => {
    const { chat } = await newChat('huge');
    const before = fake.requests.length;
    const turn = await send(chat, 'word '.repeat(180_000));
    await eventually(() => chat.message(turn)?.status === 'error', 30_000, 'the turn to fail');
    const check = (): void => {
      const replies = repliesOf(chat, turn);
      expect(replies).toHaveLength(1);
      expect(replies[0]!.status).toBe('error');
      expect(replies[0]!.error).toMatch(/larger than the model's context window: about 225004 tokens estimated, the context window of gpt-4o-mini is 128000 tokens/);
      expect(chat.message(turn)!.error).toBe(replies[0]!.error);
      expect(fake.requests.length).toBe(before);
    };
    check();
    await afterRetryWindow();
    check();
    expect(chat.claims.isClaimed(turn)).toBe(false);
  }, 90_000);

  it('retries a transient provider failure within the attempt: one good reply, never shown as an error', async () => {
    const { chat } = await newChat('flaky');
    const text = `once more ${scenarioMarker('flaky')}`;
    const statuses = new Set<string>();
    const sent: { turn?: MessageId } = {};
    const unobserve = chat.observe(() => {
      if (sent.turn) for (const r of repliesOf(chat, sent.turn)) statuses.add(r.status);
    });
    const turn = await send(chat, text);
    sent.turn = turn;
    await eventually(() => chat.message(turn)?.status === 'done', 30_000, 'the turn to be answered');
    unobserve();
    const replies = repliesOf(chat, turn);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ status: 'done', content: 'Recovered fine.' });
    expect(statuses.has('error')).toBe(false);
    expect(requestsFor('once more')).toBe(2);
    expect(worker.log()).toMatch(/503.*retry 1 in \d+ ms/);
  }, 60_000);

  it('ends a turn whose provider always fails as one failed reply after the attempt limit, and leaves it failed', async () => {
    const { chat } = await newChat('down');
    const turn = await send(chat, `anyone there ${scenarioMarker('down')}`);
    await eventually(() => chat.message(turn)?.status === 'error', 60_000, 'the turn to fail');
    const check = (): void => {
      const replies = repliesOf(chat, turn);
      expect(replies).toHaveLength(1);
      expect(replies[0]!.status).toBe('error');
      expect(replies[0]!.error).toMatch(/upstream overloaded.*gave up after 3 attempts/);
      // Each attempt made the in-attempt retries (3 requests) before giving the turn back.
      expect(requestsFor('anyone there')).toBe(ATTEMPTS * 3);
    };
    check();
    await afterRetryWindow();
    check();
  }, 120_000);

  it('does not repeat an attempt after part of the answer arrived, nor one the provider refused (its own context limit); only a new turn asks again', async () => {
    const broken = await newChat('broken');
    const refused = await newChat('refused');
    const half = await send(broken.chat, `half of it ${scenarioMarker('broken')}`);
    const long = await send(refused.chat, `too long for it ${scenarioMarker('tooLong')}`);
    await eventually(() => broken.chat.message(half)?.status === 'error' && refused.chat.message(long)?.status === 'error', 30_000, 'both turns to fail');
    const check = (): void => {
      const [partial, ...more] = repliesOf(broken.chat, half);
      expect(more).toHaveLength(0);
      expect(partial).toMatchObject({ status: 'error', content: 'Half an' });
      expect(partial!.error).toMatch(/connection reset.*not repeated/);
      const [rejected, ...others] = repliesOf(refused.chat, long);
      expect(others).toHaveLength(0);
      expect(rejected!.error).toMatch(/maximum context length is 128000 tokens.*\[E_PROVIDER_HTTP\]/);
      expect([requestsFor('half of it'), requestsFor('too long for it')]).toEqual([1, 1]);
    };
    check();
    await afterRetryWindow();
    check();
    // Asking again is a new explicit turn (what Regenerate writes): that one is answered, the failed one stays failed.
    const again = refused.chat.editMessage(long, 'shorter now', { author: session.home.identity.deviceId });
    expect(await session.syncOrQueue(10_000)).toBe('synced');
    await eventually(() => refused.chat.message(again)?.status === 'done', 30_000, 'the new turn to be answered');
    expect(repliesOf(refused.chat, again).map((r) => [r.status, r.content])).toEqual([['done', 'Fine.']]);
    expect(refused.chat.message(long)?.status).toBe('error');
    expect(repliesOf(refused.chat, long)).toHaveLength(1);
  }, 90_000);

  it('stops all work on a deleted chat at once: the request in flight is aborted and waiting turns are never tried again', async () => {
    const { id, chat } = await newChat('doomed');
    const streaming = await send(chat, `stream forever ${scenarioMarker('endless')}`);
    const waiting = await send(chat, `fail and wait ${scenarioMarker('downDeleted')}`);
    await eventually(() => (repliesOf(chat, streaming)[0]?.content.length ?? 0) > 20, 30_000, 'the first turn to stream');
    await eventually(() => /trying again/.test(repliesOf(chat, waiting)[0]?.error ?? ''), 30_000, 'the second turn to wait for its next attempt');
    const request = fake.requests.find((q) => lastUserText(q.body).includes('stream forever'))!;
    const tries = requestsFor('fail and wait');
    session.workspace().chats.delete(id);
    expect(await session.syncOrQueue(10_000)).toBe('synced');
    await eventually(() => request.outcome === 'aborted', 15_000, 'the request in flight to be aborted');
    await afterRetryWindow();
    expect(requestsFor('fail and wait')).toBe(tries);
    expect(requestsFor('stream forever')).toBe(1);
    expect(repliesOf(chat, streaming)).toHaveLength(1);
    expect(repliesOf(chat, waiting)).toHaveLength(1);
  }, 120_000);

  it('never answers a turn again once Stop is pressed on its reply while it waits for the next attempt', async () => {
    const { chat } = await newChat('stopped');
    const turn = await send(chat, `give up ${scenarioMarker('downStopped')}`);
    await eventually(() => /trying again/.test(repliesOf(chat, turn)[0]?.error ?? ''), 30_000, 'the turn to wait for its next attempt');
    const tries = requestsFor('give up');
    chat.requestStop(repliesOf(chat, turn)[0]!.id, session.home.identity.deviceId);
    expect(await session.syncOrQueue(10_000)).toBe('synced');
    await eventually(() => chat.message(turn)?.status === 'done', 30_000, 'the turn to end');
    await afterRetryWindow();
    expect(requestsFor('give up')).toBe(tries);
    const replies = repliesOf(chat, turn);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.status).toBe('stopped');
  }, 90_000);

  it('gives up on a turn whose worker dies on every attempt: the count survives restarts', async () => {
    const { chat } = await newChat('crashing');
    const turn = await send(chat, `crash me ${scenarioMarker('endless')}`);
    // The later attempts ask to continue the reply: their last user text is the note, without the
    // marker, so they take the queue; each must stream until its worker is killed, as the first does.
    fake.enqueue(ENDLESS, ENDLESS);
    for (let i = 1; i <= ATTEMPTS; i++) {
      // Attempt i asked the provider (the turn first, then to continue the reply) and is streaming.
      const asked = (): number => requestsFor('crash me') + requestsFor(CONTINUE_NOTE);
      await eventually(() => chat.claims.get(turn)?.attempts === i && asked() === i && repliesOf(chat, turn).some((r) => r.status === 'streaming' && r.content.length > 0), 30_000, `attempt ${i} to stream`);
      const exited = new Promise((resolve) => worker.child.once('exit', resolve));
      worker.kill();
      await exited;
      worker = await startWorker();
    }
    await eventually(() => chat.message(turn)?.status === 'error', 30_000, 'the turn to fail');
    // Each attempt finished the reply the dead one left (in place, "continued by"), so there is one reply.
    const replies = repliesOf(chat, turn);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.status).toBe('error');
    expect(replies[0]!.continuedBy).toBeDefined();
    expect(replies[0]!.error).toMatch(/gave up after 3 attempts: the worker answering it stopped each time/);
    expect(chat.message(turn)!.error).toBe(replies[0]!.error);
    // The first attempt asked the turn; the two after it asked to continue the reply (last user text: the note).
    expect(requestsFor('crash me') + requestsFor(CONTINUE_NOTE)).toBe(ATTEMPTS);
    await afterRetryWindow();
    expect(repliesOf(chat, turn)).toHaveLength(1);
    expect(requestsFor('crash me') + requestsFor(CONTINUE_NOTE)).toBe(ATTEMPTS);
  }, 180_000);
});
