/** Random operations on chat documents: messages, streaming, edits, claims and stops. */
import type { MessageId } from '../ids.ts';
import { MESSAGE_ROLES, MESSAGE_STATUSES, type ChatDoc } from '../schema/index.ts';
import { docs, pickChat, text, type Op, type OpContext } from './ops-context.ts';

function openChat(ctx: OpContext): { chat: ChatDoc; touch: () => void } | undefined {
  const entry = pickChat(ctx);
  if (entry === undefined) return undefined;
  const d = docs(ctx);
  return { chat: d.chat(entry.docId), touch: () => d.ws.chats.touch(entry.id) };
}

function withMessage(f: (ctx: OpContext, chat: ChatDoc, id: MessageId) => void): Op {
  return (ctx) => {
    const open = openChat(ctx);
    const ids = open?.chat.messageIds() ?? [];
    if (open === undefined || ids.length === 0) return false;
    f(ctx, open.chat, ctx.prng.pick(ids));
    return true;
  };
}

export const addMessage: Op = (ctx) => {
  const open = openChat(ctx);
  if (open === undefined) return false;
  const role = ctx.prng.pick(MESSAGE_ROLES);
  open.chat.addMessage({
    id: ctx.ids.messageId(),
    author: ctx.peer.device,
    role,
    content: role === 'assistant' && ctx.prng.bool() ? '' : text(ctx, 0, 40),
    status: role === 'assistant' ? 'streaming' : undefined,
  });
  if (ctx.prng.bool(0.5)) open.touch();
  return true;
};

export const streamAppend = withMessage((ctx, chat, id) => chat.appendContent(id, text(ctx, 1, 16)));

export const editMessage = withMessage((ctx, chat, id) => {
  chat.editMessage(id, text(ctx, 0, 40), { author: ctx.peer.device, id: ctx.ids.messageId() });
});

export const setStatus = withMessage((ctx, chat, id) => {
  const status = ctx.prng.pick(MESSAGE_STATUSES);
  chat.setStatus(id, status, status === 'error' ? text(ctx) : undefined);
});

export const setUsage = withMessage((ctx, chat, id) => {
  if (ctx.prng.bool(0.3)) chat.setModel(id, `model-${ctx.prng.int(1, 3)}`);
  else chat.setUsage(id, { inputTokens: ctx.prng.int(0, 5000), outputTokens: ctx.prng.int(0, 5000), costUsd: ctx.prng.int(0, 1000) / 10_000 });
});

export const claimTurn = withMessage((ctx, chat, id) => {
  chat.claims.claim(id, ctx.peer.device, ctx.prng.int(1, 60) * 1000);
});

export const releaseClaim = withMessage((ctx, chat, id) => chat.claims.release(id, ctx.peer.device));

export const requestStop = withMessage((ctx, chat, id) => chat.requestStop(id, ctx.peer.device));
