/**
 * The writes that open and close one attempt at a chat turn: which reply the
 * attempt writes into, how a turn ends as failed (the reason on the reply and
 * on the turn, never picked up again) and how it ends when Stop was pressed
 * or its chat deleted. Plain functions over the chat document.
 */
import type { DeviceId, MessageId } from '@tendril/crdt-schema/ids';
import type { ChatDoc } from '@tendril/crdt-schema/schema';

export const INTERRUPTED = 'interrupted: the worker answering stopped; answered again below';
const MAX_REASON = 2000;

export const clip = (text: string): string => (text.length > MAX_REASON ? `${text.slice(0, MAX_REASON)}…` : text);

/** What the model is told when it finishes a reply another peer left unfinished. */
export const CONTINUE_NOTE = 'Your answer above was cut off. Continue it exactly where it stops, without repeating any of it and without any preface.';

/** The reply an attempt writes into, and the text it continues (empty when it starts afresh). */
export interface ReplyTarget {
  readonly id: MessageId;
  readonly partial: string;
}

/**
 * The reply an attempt writes into: a reply left unfinished by a peer that
 * went away (a tab closed, a worker killed: its lease lapsed) is finished in
 * place from the text already there, marked with who continued it; the one
 * a failed earlier attempt left is emptied and reused; else a new one.
 */
export function replyFor(chat: ChatDoc, turn: MessageId, me: DeviceId, model: string | undefined): ReplyTarget {
  const replies = chat.repliesTo(turn);
  const last = replies.at(-1);
  if (last && (last.status === 'streaming' || last.status === 'pending') && last.stopRequested === undefined) {
    for (const m of replies) if (m !== last && (m.status === 'streaming' || m.status === 'pending')) chat.setStatus(m.id, 'error', INTERRUPTED);
    if (last.author !== me || last.content !== '') chat.markContinued(last.id, me);
    if (model) chat.setModel(last.id, model);
    return { id: last.id, partial: last.content };
  }
  if (last && last.status === 'error' && last.error !== INTERRUPTED && last.stopRequested === undefined) {
    chat.clearContent(last.id);
    chat.setStatus(last.id, 'pending');
    if (model) chat.setModel(last.id, model);
    return { id: last.id, partial: '' };
  }
  for (const m of replies) if (m.status === 'streaming' || m.status === 'pending') chat.setStatus(m.id, 'error', INTERRUPTED);
  return { id: chat.addMessage({ author: me, role: 'assistant', status: 'pending', parent: turn, ...(model ? { model } : {}) }), partial: '' };
}

/** The model's messages for an attempt that finishes `target`'s partial text. */
export function continuing<T extends { role: string; content: string }>(messages: T[], target: ReplyTarget): void {
  if (target.partial) messages.push({ role: 'assistant', content: target.partial } as T, { role: 'user', content: CONTINUE_NOTE } as T);
}

/** Ends the turn as failed: the reason on the reply and on the turn; no worker picks it up again. Returns the reason as written. */
export function failTurn(chat: ChatDoc, turn: MessageId, reply: MessageId, worker: DeviceId, reason: string): string {
  const text = clip(reason);
  chat.setStatus(reply, 'error', text);
  chat.setStatus(turn, 'error', text);
  chat.claims.release(turn, worker);
  return text;
}

/** Stop was pressed (or the chat deleted): unfinished replies, one waiting for the next attempt included, end stopped and the turn is over. */
export function endStopped(chat: ChatDoc, turn: MessageId, worker: DeviceId): void {
  const replies = chat.repliesTo(turn);
  const waiting = replies.at(-1);
  for (const m of replies) {
    const unfinished = m.status === 'pending' || m.status === 'streaming' || (m === waiting && m.status === 'error' && m.error !== INTERRUPTED);
    if (unfinished) chat.setStatus(m.id, 'stopped');
  }
  chat.setStatus(turn, 'done');
  chat.claims.release(turn, worker);
}
