/**
 * A reply whose writer went away mid-answer (its lease lapsed) is finished in
 * place by the runner that takes the turn over: the text already written
 * stays, the model is asked to continue it, the reply says who continued it,
 * and the turn still has one reply. A live lease is never taken over.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import type { ChatId, DeviceId } from '@tendril/crdt-schema/ids';
import { chatDoc } from '@tendril/crdt-schema/schema';
import type { DocSync } from '@tendril/crdt-schema/sync';
import { generateDeviceIdentity, loadCrypto } from '@tendril/crdt-schema/crypto';
import { liveRepliesFor, liveReplySigner } from '@tendril/crdt-schema/workspace';
import { docsWithClients } from '@tendril/crdt-schema/testkit';
import type { ChatMessage, LlmProvider } from '../llm/index.ts';
import { CONTINUE_NOTE } from './turn-ending.ts';
import { TurnRunner } from './turn-runner.ts';

const USER = 'U'.repeat(43) as DeviceId;
const TAB = 'T'.repeat(43) as DeviceId;
// The tab that goes away streams live: its frames are signed with its own device key.
const crypto = await loadCrypto();
const goneIdentity = generateDeviceIdentity(crypto);
const GONE = goneIdentity.deviceId;
const goneSigner = liveReplySigner(crypto, goneIdentity);
const CHAT = 'c1' as ChatId;

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

function setup(leaseAgoMs: number) {
  const [doc] = docsWithClients(1) as [Y.Doc];
  const chat = chatDoc(doc);
  // The peer that went away wrote the turn's claim and half a reply, `leaseAgoMs` ago on its clock.
  const past = chatDoc(doc, { now: () => Date.now() - leaseAgoMs });
  const turn = chat.addMessage({ author: USER, role: 'user', content: 'tell me a story' });
  expect(past.claims.claim(turn, GONE, 5_000)).toBe(true);
  past.claims.beginAttempt(turn, GONE);
  const reply = past.addMessage({ author: GONE, role: 'assistant', status: 'streaming', parent: turn, content: 'Once upon a time' });
  const seen: ChatMessage[][] = [];
  const provider: LlmProvider = {
    id: 'fake',
    async *stream(req) {
      seen.push([...req.messages]);
      yield { type: 'text', text: ', there was a relay.' };
      yield { type: 'done', finishReason: 'stop' };
    },
  };
  const r = new TurnRunner({ me: TAB, chooseProvider: () => ({ provider, model: 'm' }), workersKnown: () => false, settleMs: 10, leaseMs: 3_000 });
  runners.push(r);
  r.watch({ id: CHAT, sync: { whenSynced: async () => {}, on() {}, off() {}, sendStream: () => false } as unknown as DocSync, chat });
  return { chat, turn, reply, seen, r };
}

describe('turn runner hand-over', () => {
  it('finishes a reply left unfinished from the text already written, and says who continued it', async () => {
    const { chat, turn, reply, seen } = setup(60_000);
    await until(() => chat.message(turn)?.status === 'done', 'the turn to be finished');
    expect(chat.repliesTo(turn)).toHaveLength(1);
    expect(chat.message(reply)).toMatchObject({ content: 'Once upon a time, there was a relay.', status: 'done', author: GONE, continuedBy: TAB });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.slice(-2)).toEqual([{ role: 'assistant', content: 'Once upon a time' }, { role: 'user', content: CONTINUE_NOTE }]);
    expect(chat.claims.get(turn)).toBeUndefined();
  });

  it('leaves a reply alone while its writer still holds the lease', async () => {
    const { chat, turn, reply, seen, r } = setup(0);
    r.scanAll();
    expect(chat.claims.get(turn)?.worker).toBe(GONE);
    expect(chat.message(reply)).toMatchObject({ status: 'streaming', content: 'Once upon a time' });
    expect(chat.message(reply)?.continuedBy).toBeUndefined();
    expect(seen).toHaveLength(0);
  });

  it('gives the turn it answers back when stopped, so the next peer finishes the reply at once', async () => {
    const [doc] = docsWithClients(1) as [Y.Doc];
    const chat = chatDoc(doc);
    let release: () => void = () => {};
    const slow: LlmProvider = {
      id: 'slow',
      async *stream(_req, opts) {
        yield { type: 'text', text: 'First ' };
        // Later than the reply's write batching (40 ms), so both pieces are written before it stalls.
        await new Promise((r) => setTimeout(r, 100));
        yield { type: 'text', text: 'half' };
        // Then nothing until the request is aborted (the answer is given back).
        await new Promise<void>((resolve) => {
          release = resolve;
          opts?.signal?.addEventListener('abort', () => resolve(), { once: true });
        });
        if (opts?.signal?.aborted) throw new Error('aborted');
        yield { type: 'done', finishReason: 'stop' };
      },
    };
    const leaving = new TurnRunner({ me: GONE, signer: goneSigner, chooseProvider: () => ({ provider: slow, model: 'm' }), workersKnown: () => false, settleMs: 10, leaseMs: 60_000 });
    const sync = { doc: 'd1', whenSynced: async () => {}, on() {}, off() {}, sendStream: () => false } as unknown as DocSync;
    leaving.watch({ id: CHAT, sync, chat });
    const turn = chat.addMessage({ author: USER, role: 'user', content: 'go' });
    // Shown live at once, stored within a second: the page goes away before that.
    const live = liveRepliesFor(sync, chat, goneSigner);
    await until(() => { const m = chat.repliesTo(turn)[0]; return m !== undefined && live.text(m) === 'First half'; }, 'the first half shown');
    expect(chat.repliesTo(turn)[0]!.content).toBe('');
    await leaving.stop();
    release();
    // What was shown is stored as the turn is given back.
    const [left] = chat.repliesTo(turn);
    expect(left).toMatchObject({ status: 'streaming', content: 'First half' });
    expect(chat.claims.isClaimed(turn)).toBe(false);
    expect(chat.pendingTurns().map((m) => m.id)).toEqual([turn]);
    const next = new TurnRunner({ me: TAB, chooseProvider: () => ({ provider: { id: 'p', async *stream() { yield { type: 'text', text: ' and the rest.' }; yield { type: 'done', finishReason: 'stop' }; } }, model: 'm' }), workersKnown: () => false, settleMs: 10 });
    runners.push(next);
    next.watch({ id: CHAT, sync, chat });
    await until(() => chat.message(turn)?.status === 'done', 'the next runner to finish the turn');
    expect(chat.repliesTo(turn)).toMatchObject([{ content: 'First half and the rest.', status: 'done', author: GONE, continuedBy: TAB }]);
  });
});
