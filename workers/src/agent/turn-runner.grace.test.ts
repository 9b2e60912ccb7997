/**
 * The turn runner lets workers go first: with a worker known it claims a
 * pending turn only after the grace window, never a turn someone else
 * claimed, and a turn it cannot route only after the longer window, ending it
 * with the reason. With no worker known it answers at once. Two runners on
 * synced copies of one chat answer a turn once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import type { ChatId, DeviceId } from '@tendril/crdt-schema/ids';
import { chatDoc } from '@tendril/crdt-schema/schema';
import type { DocSync } from '@tendril/crdt-schema/sync';
import { docsWithClients, syncDocs } from '@tendril/crdt-schema/testkit';
import type { LlmProvider } from '../llm/index.ts';
import { TurnRunner, type RunnerChoice } from './turn-runner.ts';

const USER = 'U'.repeat(43) as DeviceId;
const TAB = 'T'.repeat(43) as DeviceId;
const OTHER = 'O'.repeat(43) as DeviceId;
const CHAT = 'c1' as ChatId;

const echo = (calls: string[]): LlmProvider => ({
  id: 'echo',
  async *stream(req) {
    calls.push(JSON.stringify(req.messages));
    yield { type: 'text', text: 'hello back' };
    yield { type: 'usage', inputTokens: 3, outputTokens: 2 };
    yield { type: 'done', finishReason: 'stop' };
  },
});

// The runner only asks the sync layer to confirm its claim reached the relay (and streams live tokens
// on it, which go nowhere here); every peer shares docs directly.
const synced = (flush: () => void = () => {}): DocSync => ({ whenSynced: async () => flush(), on() {}, off() {}, sendStream: () => false }) as unknown as DocSync;

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

function runner(me: DeviceId, choose: () => RunnerChoice, workersKnown: boolean, extra: { graceMs?: number; unroutableGraceMs?: number; otherDeviceGraceMs?: number } = {}) {
  const r = new TurnRunner({ me, chooseProvider: choose, workersKnown: () => workersKnown, settleMs: 10, leaseMs: 3000, ...extra });
  runners.push(r);
  return r;
}

describe('turn runner', () => {
  it('answers at once when no worker is known, and says so while it writes', async () => {
    const [doc] = docsWithClients(1) as [Y.Doc];
    const chat = chatDoc(doc);
    const calls: string[] = [];
    const answering: string[] = [];
    const r = new TurnRunner({ me: TAB, chooseProvider: () => ({ provider: echo(calls), model: 'gpt-4o-mini' }), workersKnown: () => false, settleMs: 10, onAnswering: (id, on) => answering.push(`${on ? '+' : '-'}${id}`) });
    runners.push(r);
    r.watch({ id: CHAT, sync: synced(), chat });
    const turn = chat.addMessage({ author: TAB, role: 'user', content: 'hi' });
    // Typed in this tab: claimed on the first look at the turn (no grace window without workers).
    r.scanAll();
    expect(chat.claims.get(turn)?.worker).toBe(TAB);
    await until(() => chat.message(turn)?.status === 'done', 'the turn to be answered');
    const [reply] = chat.repliesTo(turn);
    expect(reply).toMatchObject({ content: 'hello back', status: 'done', author: TAB, model: 'gpt-4o-mini' });
    expect(answering).toEqual([`+${reply!.id}`, `-${reply!.id}`]);
    expect(chat.claims.get(turn)).toBeUndefined();
  });

  it('leaves a turn typed on another device to that device first, then answers it if nobody did', async () => {
    const [doc] = docsWithClients(1) as [Y.Doc];
    const chat = chatDoc(doc);
    const calls: string[] = [];
    const r = runner(TAB, () => ({ provider: echo(calls), model: 'm' }), false, { otherDeviceGraceMs: 300 });
    r.watch({ id: CHAT, sync: synced(), chat });
    const turn = chat.addMessage({ author: USER, role: 'user', content: 'typed on the phone' });
    r.scanAll();
    expect(chat.claims.get(turn)).toBeUndefined();
    await until(() => chat.message(turn)?.status === 'done', 'the tab to answer after the other device did not');
    expect(chat.repliesTo(turn)[0]).toMatchObject({ author: TAB, content: 'hello back' });
  });

  it('waits out the grace window when a worker is known, and leaves a turn a worker claimed', async () => {
    const [doc] = docsWithClients(1) as [Y.Doc];
    const chat = chatDoc(doc);
    const calls: string[] = [];
    const r = runner(TAB, () => ({ provider: echo(calls), model: 'm' }), true, { graceMs: 400 });
    r.watch({ id: CHAT, sync: synced(), chat });
    const taken = chat.addMessage({ author: USER, role: 'user', content: 'for the worker' });
    const left = chat.addMessage({ author: USER, role: 'user', content: 'nobody takes this' });
    r.scanAll();
    expect(chat.claims.get(left)).toBeUndefined();
    // A worker claims the first turn inside the grace window.
    expect(chat.claims.claim(taken, OTHER, 60_000)).toBe(true);
    await until(() => chat.message(left)?.status === 'done', 'the unclaimed turn to be answered');
    expect(chat.repliesTo(taken)).toEqual([]);
    expect(chat.claims.get(taken)?.worker).toBe(OTHER);
    expect(calls).toHaveLength(1);
  });

  it('ends a turn it cannot route with the reason, after the longer window when workers are known', async () => {
    const [doc] = docsWithClients(1) as [Y.Doc];
    const chat = chatDoc(doc);
    const reason = 'this tab cannot call Gemini: add its origin to TENDRIL_RELAY_CONNECT_SRC or run a worker';
    const r = runner(TAB, () => ({ error: reason }), true, { graceMs: 50, unroutableGraceMs: 600 });
    r.watch({ id: CHAT, sync: synced(), chat });
    const turn = chat.addMessage({ author: USER, role: 'user', content: 'hi' });
    r.scanAll();
    expect(chat.claims.get(turn)).toBeUndefined();
    await until(() => chat.message(turn)?.status === 'error', 'the turn to fail');
    expect(chat.repliesTo(turn)).toMatchObject([{ status: 'error', error: reason }]);
    expect(chat.message(turn)?.error).toBe(reason);
  });

  it('leaves turns alone when no provider is configured here', async () => {
    const [doc] = docsWithClients(1) as [Y.Doc];
    const chat = chatDoc(doc);
    runner(TAB, () => null, false).watch({ id: CHAT, sync: synced(), chat });
    const r = runners.at(-1)!;
    const turn = chat.addMessage({ author: USER, role: 'user', content: 'hi' });
    // A runner that would answer claims on its first look at a turn (see the first test).
    r.scanAll();
    expect(chat.claims.get(turn)).toBeUndefined();
    expect(chat.message(turn)?.status).toBe('pending');
  });

  it('answers a turn once when two runners see it on synced copies of the chat', async () => {
    const [da, db] = docsWithClients(2) as [Y.Doc, Y.Doc];
    const flush = (): void => syncDocs(da, db);
    const a = chatDoc(da);
    const b = chatDoc(db);
    const calls: string[] = [];
    runner(TAB, () => ({ provider: echo(calls), model: 'm' }), false).watch({ id: CHAT, sync: synced(flush), chat: a });
    runner(OTHER, () => ({ provider: echo(calls), model: 'm' }), false).watch({ id: CHAT, sync: synced(flush), chat: b });
    const turn = a.addMessage({ author: USER, role: 'user', content: 'once please' });
    flush();
    await until(() => { flush(); return a.message(turn)?.status === 'done' && b.message(turn)?.status === 'done'; }, 'the turn done on both copies');
    flush();
    expect(a.repliesTo(turn)).toHaveLength(1);
    expect(calls).toHaveLength(1);
  });

  it('looks at a chat a few times, not on every change, while a reply streams into it', async () => {
    const [doc] = docsWithClients(1) as [Y.Doc];
    const chat = chatDoc(doc);
    chat.addMessage({ author: USER, role: 'user', content: 'for a worker' });
    const other = chat.addMessage({ author: OTHER, role: 'assistant', status: 'streaming', content: '' });
    let looks = 0;
    runner(TAB, () => (looks++, { error: 'not from here' }), true, { unroutableGraceMs: 60_000 }).watch({ id: CHAT, sync: synced(), chat });
    expect(looks).toBe(1);
    for (let i = 0; i < 200; i++) chat.appendContent(other, 'x');
    await until(() => looks >= 2, 'the look after the burst');
    expect(looks).toBeLessThan(20);
  });
});
