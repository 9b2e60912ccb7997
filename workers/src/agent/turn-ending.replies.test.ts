/** One reply per turn across attempts: a failed attempt's reply is reused, one a peer left unfinished is finished in place, Stop ends the one waiting. */
import { describe, expect, it } from 'vitest';
import type { DeviceId } from '@tendril/crdt-schema/ids';
import { chatDoc } from '@tendril/crdt-schema/schema';
import { docWithClient } from '@tendril/crdt-schema/testkit';
import { endStopped, failTurn, replyFor } from './turn-ending.ts';

const USER = 'U'.repeat(43) as DeviceId;
const W = 'W'.repeat(43) as DeviceId;

function setup() {
  const chat = chatDoc(docWithClient(1));
  const turn = chat.addMessage({ author: USER, role: 'user', content: 'hi' });
  return { chat, turn };
}

describe('turn endings', () => {
  it('reuses, emptied, the reply a failed attempt left', () => {
    const { chat, turn } = setup();
    const first = replyFor(chat, turn, W, 'm1').id;
    chat.appendContent(first, 'partial');
    chat.setStatus(first, 'error', 'provider down (attempt 1 of 3; trying again in 2 s)');
    expect(replyFor(chat, turn, W, 'm2')).toEqual({ id: first, partial: '' });
    expect(chat.message(first)).toMatchObject({ status: 'pending', content: '', model: 'm2', error: undefined });
    expect(chat.repliesTo(turn)).toHaveLength(1);
  });

  it('finishes a reply a peer left streaming in place, from its text, and says who continued it', () => {
    const { chat, turn } = setup();
    const TAB = 'T'.repeat(43) as DeviceId;
    const first = replyFor(chat, turn, TAB, undefined).id;
    chat.appendContent(first, 'Once upon');
    chat.setStatus(first, 'streaming');
    expect(replyFor(chat, turn, W, 'm2')).toEqual({ id: first, partial: 'Once upon' });
    expect(chat.message(first)).toMatchObject({ status: 'streaming', content: 'Once upon', continuedBy: W, model: 'm2' });
    expect(chat.repliesTo(turn)).toHaveLength(1);
  });

  it('fails the turn with the reason on both, and ends a stopped one with its waiting reply stopped', () => {
    const a = setup();
    const reply = replyFor(a.chat, a.turn, W, undefined).id;
    failTurn(a.chat, a.turn, reply, W, 'too large');
    expect([a.chat.message(reply)?.error, a.chat.message(a.turn)?.status, a.chat.message(a.turn)?.error]).toEqual(['too large', 'error', 'too large']);
    expect(a.chat.pendingTurns()).toEqual([]);

    const b = setup();
    const waiting = replyFor(b.chat, b.turn, W, undefined).id;
    b.chat.setStatus(waiting, 'error', 'down (attempt 1 of 3; trying again in 2 s)');
    endStopped(b.chat, b.turn, W);
    expect([b.chat.message(waiting)?.status, b.chat.message(b.turn)?.status]).toEqual(['stopped', 'done']);
  });
});
