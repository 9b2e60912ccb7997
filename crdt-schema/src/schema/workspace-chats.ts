/**
 * The chat list of a workspace index: one entry per chat, naming the chat's
 * own document. Deleting leaves a tombstone so a late edit from another peer
 * cannot resurrect a chat by recreating its entry.
 *
 * Titles: a chat created with a placeholder title is `untitled`, and a
 * runner may title it after the first reply, in a field of its own,
 * `autoTitle`; a rename sets `named`, and a runner's title is shown only on
 * an untitled chat that is not named. So a rename is never overwritten, even
 * by a runner's title written at the same moment on another peer: the two
 * writes touch different fields, both survive the merge, and `named` wins on
 * read. A title given at creation is the creator's choice and is kept. The
 * three fields were added to schema 1 without a version step (older readers
 * show `title`; older chats, without `untitled`, are never titled).
 */
import * as Y from 'yjs';
import { newChatId, newDocId, type ChatId, type DeviceId, type DocId } from '../ids.ts';
import { badInput, checkText, compareStrings, entryOf, readBool, readNumber, readString, requireEntry, setOptional, type YMap } from './fields.ts';
import { CHAT_ENTRY, LEGACY, WORKSPACE } from './keys.ts';
import { isOrderKey } from './order-key.ts';
import type { Writer } from './writer.ts';

export interface ChatEntry {
  readonly id: ChatId;
  readonly docId: DocId;
  readonly title: string;
  readonly pinned: boolean;
  /** Tombstone: hidden from lists, kept so concurrent edits stay attached. */
  readonly deleted: boolean;
  readonly deletedAt?: number;
  readonly createdAt: number;
  readonly createdBy?: DeviceId;
  readonly updatedAt: number;
  /** Manual position (order-key.ts); unordered chats follow by most recent update. */
  readonly order?: string;
  /** Renamed by a person: a runner's title is never shown over it. */
  readonly named: boolean;
  /** The title shown came from a runner (after the first reply). */
  readonly autoTitled: boolean;
}

export interface NewChat {
  readonly id?: ChatId;
  readonly docId?: DocId;
  readonly title: string;
  readonly createdBy?: DeviceId;
  /** The title is a placeholder ("New chat"): a runner titles the chat after its first reply. */
  readonly untitled?: boolean;
}

function readChat(id: string, m: YMap): ChatEntry | undefined {
  const docId = readString(m, CHAT_ENTRY.docId);
  const createdAt = readNumber(m, CHAT_ENTRY.createdAt);
  if (docId === undefined || createdAt === undefined) return undefined;
  const order = m.get(CHAT_ENTRY.order);
  const named = readBool(m, CHAT_ENTRY.named);
  const auto = named || !readBool(m, CHAT_ENTRY.untitled) ? undefined : readString(m, CHAT_ENTRY.autoTitle);
  return {
    id: id as ChatId,
    docId: docId as DocId,
    title: auto ?? readString(m, CHAT_ENTRY.title) ?? readString(m, LEGACY.chatEntryName) ?? '',
    pinned: readBool(m, CHAT_ENTRY.pinned),
    deleted: readBool(m, CHAT_ENTRY.deleted),
    deletedAt: readNumber(m, CHAT_ENTRY.deletedAt),
    createdAt,
    createdBy: readString(m, CHAT_ENTRY.createdBy) as DeviceId | undefined,
    updatedAt: readNumber(m, CHAT_ENTRY.updatedAt) ?? createdAt,
    order: isOrderKey(order) ? order : undefined,
    named,
    autoTitled: auto !== undefined,
  };
}

/** Pinned first; then manually ordered by key; then most recently updated; id breaks ties. */
export function compareChats(a: ChatEntry, b: ChatEntry): number {
  if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
  if (a.order !== undefined || b.order !== undefined) {
    if (a.order === undefined) return 1;
    if (b.order === undefined) return -1;
    if (a.order !== b.order) return compareStrings(a.order, b.order);
  }
  if (a.updatedAt !== b.updatedAt) return b.updatedAt - a.updatedAt;
  return compareStrings(a.id, b.id);
}

/** The longest title a runner writes. */
export const MAX_AUTO_TITLE = 80;

export function chatsSection(doc: Y.Doc, w: Writer) {
  const chats = doc.getMap<unknown>(WORKSPACE.chats);
  const edit = (id: ChatId, change: (m: YMap) => void): void => {
    const m = requireEntry(chats, id, 'chat');
    w.write(() => change(m));
  };
  return {
    /** Adds a chat entry; the chat's messages live in the document `docId`. */
    create(input: NewChat): ChatEntry {
      const title = checkText(input.title, 'title');
      const id = input.id ?? newChatId();
      if (chats.has(id)) badInput(`chat ${id} exists`);
      const at = w.now();
      const m: YMap = new Y.Map<unknown>();
      w.write(() => {
        chats.set(id, m);
        m.set(CHAT_ENTRY.docId, input.docId ?? newDocId());
        m.set(CHAT_ENTRY.title, title);
        m.set(CHAT_ENTRY.createdAt, at);
        m.set(CHAT_ENTRY.updatedAt, at);
        if (input.createdBy !== undefined) m.set(CHAT_ENTRY.createdBy, input.createdBy);
        if (input.untitled === true) m.set(CHAT_ENTRY.untitled, true);
      });
      return readChat(id, m)!;
    },
    get(id: ChatId): ChatEntry | undefined {
      const m = entryOf(chats, id);
      return m === undefined ? undefined : readChat(id, m);
    },
    /** A person's title: the chat is named from now on, and a runner's title is never shown over it. */
    rename(id: ChatId, title: string): void {
      const t = checkText(title, 'title');
      edit(id, (m) => {
        m.set(CHAT_ENTRY.title, t);
        m.set(CHAT_ENTRY.named, true);
      });
    },
    /** True while a runner may title the chat: created untitled, not renamed, not titled yet, not deleted. */
    wantsTitle(id: ChatId): boolean {
      const m = entryOf(chats, id);
      return m !== undefined && readBool(m, CHAT_ENTRY.untitled) && !readBool(m, CHAT_ENTRY.named) && !readBool(m, CHAT_ENTRY.deleted)
        && readString(m, CHAT_ENTRY.autoTitle) === undefined;
    },
    /** A runner's title after the first reply; false (nothing written) once the chat is named or titled. */
    setAutoTitle(id: ChatId, title: string): boolean {
      const t = checkText(title, 'title', MAX_AUTO_TITLE);
      if (t.trim() === '') badInput('a title is not empty');
      const m = requireEntry(chats, id, 'chat');
      if (!readBool(m, CHAT_ENTRY.untitled) || readBool(m, CHAT_ENTRY.named) || readString(m, CHAT_ENTRY.autoTitle) !== undefined) return false;
      w.write(() => m.set(CHAT_ENTRY.autoTitle, t));
      return true;
    },
    pin(id: ChatId, pinned: boolean): void {
      edit(id, (m) => m.set(CHAT_ENTRY.pinned, pinned));
    },
    /** Tombstones the chat; its document is left for the caller to forget. */
    delete(id: ChatId): void {
      const at = w.now();
      edit(id, (m) => {
        m.set(CHAT_ENTRY.deleted, true);
        m.set(CHAT_ENTRY.deletedAt, at);
      });
    },
    restore(id: ChatId): void {
      edit(id, (m) => {
        m.set(CHAT_ENTRY.deleted, false);
        m.delete(CHAT_ENTRY.deletedAt);
      });
    },
    /** Records activity (a new message): moves the chat up among unordered chats. */
    touch(id: ChatId, at: number = w.now()): void {
      edit(id, (m) => {
        if ((readNumber(m, CHAT_ENTRY.updatedAt) ?? 0) < at) m.set(CHAT_ENTRY.updatedAt, at);
      });
    },
    /** Sets a manual position (see orderKeyBetween), or clears it. */
    reorder(id: ChatId, order: string | undefined): void {
      if (order !== undefined && !isOrderKey(order)) badInput(`not an order key: ${order}`);
      edit(id, (m) => setOptional(m, CHAT_ENTRY.order, order));
    },
    /** Every chat id, tombstoned ones included, in no particular order (cheap: nothing is read). */
    ids(): ChatId[] {
      return Array.from(chats.keys()) as ChatId[];
    },
    /** Chats in display order; tombstoned ones only when asked. */
    list(options: { includeDeleted?: boolean } = {}): ChatEntry[] {
      const out: ChatEntry[] = [];
      for (const id of chats.keys()) {
        const m = entryOf(chats, id);
        const entry = m === undefined ? undefined : readChat(id, m);
        if (entry !== undefined && (options.includeDeleted === true || !entry.deleted)) out.push(entry);
      }
      return out.sort(compareChats);
    },
  };
}
