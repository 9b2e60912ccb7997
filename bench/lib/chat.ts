/**
 * The fan-out workload: one chat message whose content grows by a fixed-size
 * token per write (a streamed reply), so a reader knows how many writes it
 * has seen from the content length alone.
 */
import * as Y from 'yjs';
import { newChatId, type DeviceId, type MessageId } from '@tendril/crdt-schema/ids';
import { chatDoc } from '@tendril/crdt-schema/schema';
import { CHAT, MESSAGE } from '../../crdt-schema/src/schema/keys.ts';

/** Characters per streamed token. */
export const TOKEN_CHARS = 8;

/** The token of write `i`: base-36 index, padded, then a space. */
export const token = (i: number): string => `${i.toString(36).padStart(TOKEN_CHARS - 1, '0')} `;

export interface ChatWriter {
  readonly message: MessageId;
  /** Appends write `i`'s token to the message, as a streaming worker does. */
  append(i: number): void;
}

/** Starts a chat with one empty assistant message in `ydoc`. */
export function startChat(ydoc: Y.Doc, author: DeviceId): ChatWriter {
  const chat = chatDoc(ydoc);
  chat.init({ chatId: newChatId(), createdBy: author });
  const message = chat.addMessage({ author, role: 'assistant', content: '' });
  return { message, append: (i) => chat.appendContent(message, token(i)) };
}

/** The message's content Y.Text, once the message has arrived. */
export function messageText(ydoc: Y.Doc, id: MessageId): Y.Text | undefined {
  const m = ydoc.getMap<unknown>(CHAT.messages).get(id);
  const content = m instanceof Y.Map ? (m as Y.Map<unknown>).get(MESSAGE.content) : undefined;
  return content instanceof Y.Text ? content : undefined;
}
