/** Random operations on the workspace index. */
import { keyEpoch } from '../ids.ts';
import { HEALTH_STATUSES, orderKeyBetween, ROLES, SESSION_STATES } from '../schema/index.ts';
import { docs, pickChat, pickSession, text, type Op, type OpContext } from './ops-context.ts';

export const createChat: Op = (ctx) => {
  const d = docs(ctx);
  const entry = d.ws.chats.create({ id: ctx.ids.chatId(), docId: ctx.ids.docId(), title: text(ctx), createdBy: ctx.peer.device });
  d.chat(entry.docId).init({ chatId: entry.id, createdBy: ctx.peer.device });
  return true;
};

const withChat = (f: (ctx: OpContext, id: NonNullable<ReturnType<typeof pickChat>>) => void): Op => (ctx) => {
  const chat = pickChat(ctx);
  if (chat === undefined) return false;
  f(ctx, chat);
  return true;
};

export const renameChat = withChat((ctx, c) => docs(ctx).ws.chats.rename(c.id, text(ctx)));
export const pinChat = withChat((ctx, c) => docs(ctx).ws.chats.pin(c.id, !c.pinned));
export const deleteChat = withChat((ctx, c) => docs(ctx).ws.chats.delete(c.id));
export const restoreChat = withChat((ctx, c) => docs(ctx).ws.chats.restore(c.id));

export const reorderChat = withChat((ctx, c) => {
  const keys = docs(ctx).ws.chats.list().flatMap((x) => (x.order === undefined || x.id === c.id ? [] : [x.order])).sort();
  const at = ctx.prng.int(0, keys.length);
  const before = keys[at - 1];
  const after = keys[at];
  docs(ctx).ws.chats.reorder(c.id, before === after && before !== undefined ? undefined : orderKeyBetween(before, after));
});

export const renameWorkspace: Op = (ctx) => {
  docs(ctx).ws.rename(text(ctx));
  return true;
};

export const addMember: Op = (ctx) => {
  const ws = docs(ctx).ws;
  const device = ctx.prng.bool(0.7) ? ctx.prng.pick(ctx.devices) : ctx.ids.deviceId();
  if (ws.members.get(device)?.revokedAt !== undefined) return false;
  ws.members.add({ device, name: text(ctx), role: ctx.prng.pick(ROLES), boxPublicKey: ctx.prng.bytes(32), addedBy: ctx.peer.device });
  return true;
};

export const memberSeen: Op = (ctx) => {
  const ws = docs(ctx).ws;
  if (ws.members.get(ctx.peer.device) === undefined) return false;
  ws.members.seen(ctx.peer.device);
  return true;
};

export const revokeMember: Op = (ctx) => {
  const ws = docs(ctx).ws;
  const others = ws.members.list().filter((m) => m.device !== ctx.peer.device);
  if (others.length === 0) return false;
  ws.members.revoke(ctx.prng.pick(others).device, ctx.peer.device);
  return true;
};

export const announce: Op = (ctx) => {
  const ws = docs(ctx).ws;
  const section = ctx.prng.bool() ? ws.gateways : ws.workers;
  // Health is drawn but not stored (it travels in presence), so replayed seeds keep their sequence.
  ctx.prng.pick(HEALTH_STATUSES);
  ctx.prng.int(0, 5);
  if (ctx.prng.bool(0.3)) text(ctx);
  section.announce(ctx.peer.device, { name: text(ctx), host: `host-${ctx.peer.index}`, version: `0.${ctx.prng.int(1, 9)}.0` });
  return true;
};

export const createSession: Op = (ctx) => {
  const d = docs(ctx);
  const gateway = ctx.prng.pick(ctx.devices);
  const s = d.ws.sessions.create({ id: ctx.ids.sessionId(), docId: ctx.ids.docId(), gateway, title: text(ctx), requestedBy: ctx.peer.device });
  d.terminal(s.docId).init({ sessionId: s.id, title: s.title, gateway, owner: ctx.peer.device, shell: '/bin/sh', cwd: '/' });
  return true;
};

export const sessionState: Op = (ctx) => {
  const s = pickSession(ctx);
  if (s === undefined) return false;
  docs(ctx).ws.sessions.setState(s.id, ctx.prng.pick(SESSION_STATES));
  return true;
};

export const putLockbox: Op = (ctx) => {
  const chat = pickChat(ctx);
  if (chat === undefined) return false;
  docs(ctx).ws.lockboxes.put(chat.docId, keyEpoch(ctx.prng.int(0, 2)), ctx.prng.pick(ctx.devices), ctx.prng.bytes(ctx.prng.int(40, 80)));
  return true;
};
