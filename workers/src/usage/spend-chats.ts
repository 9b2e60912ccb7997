/**
 * The chats a spending check counts: every chat of the workspace, deleted ones included (what they
 * used was spent: putting a chat in the trash must not reset the limit), whether or not the runner
 * works on it. Each is opened once and kept (a device keeps its chats anyway); a chat that cannot be
 * opened (no keys for it) is left out. Node-free: a tab's runner uses it too.
 */
import type { ChatId } from '@tendril/crdt-schema/ids';
import type { ChatDoc, WorkspaceDoc } from '@tendril/crdt-schema/schema';

export interface SpendChatSource {
  workspace(): Pick<WorkspaceDoc, 'chats'>;
  openChat(id: ChatId): Promise<{ chat: ChatDoc }>;
}

export type SpendChats = () => Promise<Array<{ readonly id: ChatId; readonly chat: ChatDoc }>>;

export function spendChats(source: SpendChatSource): SpendChats {
  const opened = new Map<ChatId, Promise<ChatDoc | null>>();
  return async () => {
    for (const e of source.workspace().chats.list({ includeDeleted: true })) {
      if (!opened.has(e.id)) opened.set(e.id, source.openChat(e.id).then((c) => c.chat, () => null));
    }
    const out: Array<{ id: ChatId; chat: ChatDoc }> = [];
    for (const [id, p] of opened) {
      const chat = await p;
      if (chat) out.push({ id, chat });
    }
    return out;
  };
}
