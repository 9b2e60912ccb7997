/**
 * What a user does to chats, on top of the schema accessors: create one (for
 * an agent, or auto),
 * write a turn, edit (a branch), regenerate (a new pending turn branching
 * from the user turn a reply answered), stop a streaming reply.
 */
import { newChatId, newDocId, type ChatId, type MessageId } from '@tendril/crdt-schema/ids';
import type { ChatAttachment, ChatDoc, ChatMessage, ChatTarget } from '@tendril/crdt-schema/schema';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';

/**
 * A new chat for `target` (the workspace's default for new chats; none when the settings cannot be read).
 * With `untitled`, `title` is a placeholder and the first reply gives the chat its title.
 */
export async function createChat(session: WorkspaceSession, title: string, target?: ChatTarget, untitled = false): Promise<ChatId> {
  const me = session.home.identity.deviceId;
  const entry = session.workspace().chats.create({ id: newChatId(), docId: newDocId(), title, createdBy: me, ...(untitled ? { untitled } : {}) });
  const { chat } = await session.openChat(entry.id);
  chat.init({ chatId: entry.id, createdBy: me, ...(target !== undefined ? { target } : {}) });
  return entry.id;
}

/**
 * Adds a user turn (pending, for an agent to answer) after `follows`, the end
 * of the branch shown (read from the document when not given), and moves the
 * chat up the list. With `plan`, the agent answers it with a plan to approve.
 */
export function sendMessage(
  session: WorkspaceSession, chatId: ChatId, chat: ChatDoc, text: string, shownEnd?: MessageId, plan = false, attachments: readonly ChatAttachment[] = [],
): MessageId {
  const follows = shownEnd ?? chat.branch().messages.at(-1)?.id;
  const id = chat.addMessage({
    author: session.home.identity.deviceId, role: 'user', content: text, status: 'pending',
    ...(follows ? { follows } : {}), ...(plan ? { planMode: true } : {}), ...(attachments.length > 0 ? { attachments } : {}),
  });
  if (session.home.keys.get('index')?.writeCap.secretKey) session.workspace().chats.touch(chatId);
  return id;
}

/** The user turn a message belongs to: itself for a user turn, its parent for a reply. */
export function turnOf(chat: ChatDoc, m: ChatMessage): ChatMessage | undefined {
  if (m.role === 'user') return m;
  return m.parent ? chat.message(m.parent) : undefined;
}

/** Asks again: a new pending copy of the user turn, branching from it. */
export function regenerate(session: WorkspaceSession, chat: ChatDoc, m: ChatMessage): MessageId | undefined {
  const turn = turnOf(chat, m);
  if (!turn) return undefined;
  return chat.editMessage(turn.id, turn.content, { author: session.home.identity.deviceId });
}

export function editMessage(session: WorkspaceSession, chat: ChatDoc, id: MessageId, text: string): MessageId {
  return chat.editMessage(id, text, { author: session.home.identity.deviceId });
}

/** Shows another version of a message, and with it the branch that follows that version. */
export function showVersion(chat: ChatDoc, id: MessageId): void {
  chat.showVersion(id);
}

export function requestStop(session: WorkspaceSession, chat: ChatDoc, id: MessageId): void {
  chat.requestStop(id, session.home.identity.deviceId);
}

/** Whether a reply is still coming in (so a Stop button makes sense). */
export function isLive(m: ChatMessage): boolean {
  return m.role !== 'user' && (m.status === 'pending' || m.status === 'streaming') && m.stopRequested === undefined;
}
