import { describe, expect, it } from 'vitest';
import type { ChatId, DeviceId, MessageId } from '../ids.ts';
import { docWithClient } from '../testkit/sync-docs.ts';
import { messageSortKey } from './chat-message.ts';
import { chatDoc } from './chat.ts';
import { MAX_WRITTEN_MESSAGE_BYTES, messageTooBig, utf8Length } from './message-size.ts';

const ME = 'A'.repeat(43) as DeviceId;
const BOT = 'B'.repeat(43) as DeviceId;
const CHAT = 'CCCCCCCCCCCCCCCCCCCCCC' as ChatId;

function setup() {
  let t = 1000;
  return { chat: chatDoc(docWithClient(1), { now: () => t }), at: (v: number) => (t = v) };
}

describe('chat messages', () => {
  it('stamps the chat id once', () => {
    const { chat } = setup();
    chat.init({ chatId: CHAT, createdBy: ME });
    chat.init({ chatId: CHAT });
    expect(chat.info()).toEqual({ chatId: CHAT, createdAt: 1000, createdBy: ME });
    expect(() => chat.init({ chatId: 'DDDDDDDDDDDDDDDDDDDDDD' as ChatId })).toThrow(/belongs to chat/);
  });

  it('streams a reply in and records status, model and usage', () => {
    const { chat, at } = setup();
    const q = chat.addMessage({ author: ME, role: 'user', content: 'why?' });
    at(1001);
    const r = chat.addMessage({ author: BOT, role: 'assistant', status: 'streaming', model: 'm1', parent: q });
    chat.appendContent(r, 'Be');
    chat.appendContent(r, 'cause.');
    chat.setUsage(r, { inputTokens: 3, outputTokens: 2, costUsd: 0.001 });
    chat.setStatus(r, 'done');
    expect(chat.message(q)).toMatchObject({ role: 'user', status: 'pending', content: 'why?' });
    expect(chat.message(r)).toEqual({
      id: r, author: BOT, role: 'assistant', content: 'Because.', status: 'done', error: undefined, model: 'm1',
      usage: { inputTokens: 3, outputTokens: 2, costUsd: 0.001 }, createdAt: 1001, editedAt: undefined, parent: q, stopRequested: undefined,
    });
  });

  it('keeps an error text only with the error status', () => {
    const { chat } = setup();
    const r = chat.addMessage({ author: BOT, role: 'assistant' });
    chat.setStatus(r, 'error', 'rate limited');
    expect(chat.message(r)).toMatchObject({ status: 'error', error: 'rate limited' });
    chat.setStatus(r, 'done');
    expect(chat.message(r)?.error).toBeUndefined();
  });

  it('edits by branching: a new message revising the original, which is kept and marked', () => {
    const { chat, at } = setup();
    const q = chat.addMessage({ author: ME, role: 'user', content: 'helo' });
    at(2000);
    const e = chat.editMessage(q, 'hello', { author: ME });
    expect(chat.message(e)).toMatchObject({ content: 'hello', parent: q, role: 'user', status: 'pending', createdAt: 2000 });
    expect(chat.message(q)).toMatchObject({ content: 'helo', editedAt: 2000 });
    expect(chat.transcript().map((m) => m.id)).toEqual([q, e]);
  });

  it('syncs a stop request as a flag on the message', () => {
    const { chat } = setup();
    const r = chat.addMessage({ author: BOT, role: 'assistant', status: 'streaming' });
    expect(chat.isStopRequested(r)).toBe(false);
    chat.requestStop(r, ME);
    expect(chat.isStopRequested(r)).toBe(true);
    expect(chat.message(r)?.stopRequested).toEqual({ by: ME, at: 1000 });
  });

  it('orders the transcript by creation time, then id', () => {
    const { chat, at } = setup();
    at(5);
    const late = chat.addMessage({ id: 'aaaaaaaaaaaaaaaaaaaaaa' as MessageId, author: ME, role: 'user' });
    at(1);
    const tieB = chat.addMessage({ id: 'bbbbbbbbbbbbbbbbbbbbbb' as MessageId, author: ME, role: 'user' });
    const tieA = chat.addMessage({ id: 'AAAAAAAAAAAAAAAAAAAAAA' as MessageId, author: ME, role: 'user' });
    expect(chat.transcript().map((m) => m.id)).toEqual([tieA, tieB, late]);
    const keys = chat.transcript().map(messageSortKey);
    expect([...keys].sort()).toEqual(keys);
  });

  it('rejects unknown messages and malformed input', () => {
    const { chat } = setup();
    const id = chat.addMessage({ author: ME, role: 'user' });
    expect(() => chat.appendContent('nope' as MessageId, 'x')).toThrow(/no message/);
    expect(() => chat.addMessage({ author: ME, role: 'robot' as never })).toThrow(/role/);
    expect(() => chat.addMessage({ id, author: ME, role: 'user' })).toThrow(/exists/);
    expect(() => chat.setUsage(id, { inputTokens: -1, outputTokens: 0, costUsd: 0 })).toThrow(/usage/);
    expect(chat.count()).toBe(1);
  });
});

describe('message size', () => {
  it('refuses a message written in one piece that would not fit in a relay frame, counted in UTF-8 bytes', () => {
    const { chat } = setup();
    const fits = 'a'.repeat(MAX_WRITTEN_MESSAGE_BYTES);
    expect(messageTooBig(fits)).toBeUndefined();
    chat.addMessage({ author: ME, role: 'user', content: fits });
    const wide = 'é'.repeat(MAX_WRITTEN_MESSAGE_BYTES / 2 + 1);
    expect(messageTooBig(wide)).toEqual({ bytes: MAX_WRITTEN_MESSAGE_BYTES + 2, limit: MAX_WRITTEN_MESSAGE_BYTES });
    expect(() => chat.addMessage({ author: ME, role: 'user', content: wide })).toThrow(/bytes/);
    expect(utf8Length('a\u00e9\u20ac\u{1F600}')).toBe(new TextEncoder().encode('a\u00e9\u20ac\u{1F600}').length);
    expect(chat.count()).toBe(1);
  });
});
