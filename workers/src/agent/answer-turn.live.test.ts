/**
 * Answering with live tokens: every token goes live at its place in the reply
 * (after the text a continued reply already holds), the text is stored about
 * once a second and at the end, and what was shown live is stored when the
 * answer is stopped or given back, but not once another peer took the turn.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { newChatId, type DeviceId, type MessageId } from '@tendril/crdt-schema/ids';
import { chatDoc } from '@tendril/crdt-schema/schema';
import type { LlmEvent, LlmProvider } from '../llm/index.ts';
import { answerTurn, type AnswerResult } from './answer-turn.ts';

const ME = 'M'.repeat(43) as DeviceId;
const OTHER = 'O'.repeat(43) as DeviceId;
const USER = 'U'.repeat(43) as DeviceId;

/** A provider that yields `tokens`, then waits for `end()` (or the abort). */
function held(tokens: readonly string[]) {
  let end!: () => void;
  const ended = new Promise<void>((r) => (end = r));
  let yielded = 0;
  const provider: LlmProvider = {
    id: 'held',
    async *stream(_req, opts): AsyncIterable<LlmEvent> {
      for (const text of tokens) {
        yielded++;
        yield { type: 'text', text };
      }
      await new Promise<void>((resolve) => {
        void ended.then(resolve);
        opts?.signal?.addEventListener('abort', () => resolve(), { once: true });
      });
      if (opts?.signal?.aborted) throw new Error('aborted');
      yield { type: 'done', finishReason: 'stop' };
    },
  };
  return { provider, end, yielded: () => yielded };
}

function setup(existing = '') {
  let t = 1_000;
  const chat = chatDoc(new Y.Doc(), { now: () => t });
  chat.init({ chatId: newChatId(), createdBy: USER });
  const turn = chat.addMessage({ author: USER, role: 'user', content: 'hi' });
  chat.claims.claim(turn, ME, 60_000);
  const reply = chat.addMessage({ author: ME, role: 'assistant', content: existing, parent: turn, status: 'streaming' });
  const pushed: [MessageId, number, string][] = [];
  const live = { push: (r: MessageId, o: number, text: string) => void pushed.push([r, o, text]), flush: () => {} };
  const clock = { now: () => t, advance: (ms: number) => (t += ms) };
  return { chat, turn, reply, pushed, live, clock };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
}

describe('answering with live tokens', () => {
  it('sends each token live at its place after the text already there, and stores the text once a second and at the end', async () => {
    const { chat, turn, reply, pushed, live, clock } = setup('Before. ');
    const p = held(['One', ' two', ' three']);
    const answer = answerTurn({ chat, reply, provider: p.provider, model: 'm', messages: [], worker: ME, stillHolds: () => chat.claims.holds(turn, ME), live, now: clock.now });
    await until(() => pushed.length === 3);
    expect(pushed).toEqual([[reply, 8, 'One'], [reply, 11, ' two'], [reply, 15, ' three']]);
    expect(chat.message(reply)!.content).toBe('Before. '); // not stored yet: less than a second went by
    p.end();
    expect((await answer).outcome).toBe('done');
    expect(chat.message(reply)).toMatchObject({ content: 'Before. One two three', status: 'done' });
  });

  it('stores what was shown live when Stop is pressed', async () => {
    const { chat, turn, reply, live, clock } = setup();
    const p = held(['Shown', ' live']);
    const answer = answerTurn({ chat, reply, provider: p.provider, model: 'm', messages: [], worker: ME, stillHolds: () => chat.claims.holds(turn, ME), live, now: clock.now });
    await until(() => p.yielded() === 2);
    chat.requestStop(reply, USER);
    const r: AnswerResult = await answer;
    expect(r.outcome).toBe('stopped');
    expect(chat.message(reply)).toMatchObject({ content: 'Shown live', status: 'stopped' });
  });

  it('stores what was shown live when the turn is given back, and nothing once another peer took it', async () => {
    for (const [taker, stored] of [[ME, 'Half'], [OTHER, '']] as const) {
      const { chat, turn, reply, live, clock } = setup();
      const p = held(['Half']);
      const answer = answerTurn({
        chat, reply, provider: p.provider, model: 'm', messages: [], worker: ME, live, now: clock.now,
        stillHolds: () => chat.claims.holds(turn, ME), stillWriter: () => chat.claims.get(turn)?.worker === ME,
      });
      await until(() => p.yielded() === 1);
      chat.claims.backOff(turn, ME, clock.now()); // the page goes away: the turn is given back
      if (taker === OTHER) {
        clock.advance(1);
        chat.claims.claim(turn, OTHER, 60_000);
      }
      expect((await answer).outcome).toBe('lost');
      expect(chat.message(reply)!.content).toBe(stored);
    }
  });
});
