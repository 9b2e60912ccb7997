/**
 * How plugin hosts and agent tools reach chats: list them, open one, create
 * one. Over a live workspace session in the worker; over plain in-memory
 * documents for single-process use and tests. Grant checks happen above this
 * layer, never in it.
 */
import * as Y from 'yjs';
import { newChatId, newDocId, type ChatId, type DeviceId } from '@tendril/crdt-schema/ids';
import { chatDoc, workspaceDoc, type ChatDoc, type ChatEntry } from '@tendril/crdt-schema/schema';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';

export interface ChatAccess {
  /** Chats of the workspace (not deleted), in display order. */
  list(): ChatEntry[];
  open(id: ChatId): Promise<ChatDoc>;
  /** Creates a chat (entry and document) authored by this device. */
  create(title: string): Promise<ChatEntry>;
  /** Records activity in a chat (moves it up the list). */
  touch(id: ChatId): void;
}

/** Chats of a live session; a chat opened here is first caught up with the relay (for at most `syncMs`). */
export function sessionChatAccess(session: WorkspaceSession, o: { syncMs?: number } = {}): ChatAccess {
  const me = session.home.identity.deviceId;
  return {
    list: () => session.workspace().chats.list(),
    async open(id) {
      const { sync, chat } = await session.openChat(id);
      // Offline is fine: the local copy is used.
      await sync.whenSynced(o.syncMs ?? 5000).catch(() => {});
      return chat;
    },
    async create(title) {
      const entry = session.workspace().chats.create({ id: newChatId(), docId: newDocId(), title, createdBy: me });
      (await session.openChat(entry.id)).chat.init({ chatId: entry.id, createdBy: me });
      return entry;
    },
    touch: (id) => session.workspace().chats.touch(id),
  };
}

/** Chats in plain Y.Docs: the index and one document per chat, in this process only. */
export function memoryChatAccess(o: { device: DeviceId; now?: () => number }): ChatAccess & { readonly index: Y.Doc } {
  const index = new Y.Doc();
  const docs = new Map<ChatId, ChatDoc>();
  const options = o.now ? { now: o.now } : {};
  const ws = workspaceDoc(index, options);
  const open = async (id: ChatId): Promise<ChatDoc> => {
    let chat = docs.get(id);
    if (!chat) {
      if (!ws.chats.get(id)) throw new Error(`no chat ${id}`);
      chat = chatDoc(new Y.Doc(), options);
      docs.set(id, chat);
    }
    return chat;
  };
  return {
    index,
    list: () => ws.chats.list(),
    open,
    async create(title) {
      const entry = ws.chats.create({ title, createdBy: o.device });
      (await open(entry.id)).init({ chatId: entry.id, createdBy: o.device });
      return entry;
    },
    touch: (id) => ws.chats.touch(id),
  };
}
