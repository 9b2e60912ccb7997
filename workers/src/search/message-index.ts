/**
 * Full-text search over the text of every chat's messages, on the device
 * (Orama): the sidebar's search finds a word inside any message and opens
 * the chat at it. One Orama document per message (its chat, its text); a
 * chat is indexed again only when its fingerprint (its messages' ids,
 * lengths and states) changed since it was indexed. The whole index is
 * exported as bytes for message-index-store.ts, which seals it with the
 * device's local key; nothing here ever leaves the device. Node-free.
 */
import { count, create, insertMultiple, load, removeMultiple, save, search, type AnyOrama } from '@orama/orama';

/** What the index is told about one message. */
export interface IndexedMessage {
  readonly id: string;
  readonly role: string;
  readonly content: string;
  readonly createdAt: number;
}

export interface MessageHit {
  readonly chat: string;
  readonly message: string;
  /** The text around the first match, for the result list. */
  readonly snippet: string;
  readonly score: number;
}

const SCHEMA = { chat: 'string', message: 'string', role: 'string', text: 'string', at: 'number' } as const;
const VERSION = 1;
/** Text indexed per message (a longer message is found by its beginning). */
export const MAX_INDEXED_CHARS = 20_000;
const SNIPPET = 120;

/** A cheap digest of what a chat holds: changes when a message is added, edited, grows or ends. */
export function chatFingerprint(messages: readonly IndexedMessage[]): string {
  let h = 0x811c9dc5;
  const mix = (s: string): void => {
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  };
  for (const m of messages) mix(`${m.id}:${m.content.length}:${m.content.slice(-32)};`);
  return `${messages.length}.${(h >>> 0).toString(36)}`;
}

/** The text around the first place a term of the query occurs. */
export function snippetOf(text: string, query: string): string {
  const lower = text.toLowerCase();
  const terms = query.toLowerCase().split(/\s+/).filter((t) => t !== '');
  const at = terms.map((t) => lower.indexOf(t)).filter((i) => i >= 0).sort((a, b) => a - b)[0] ?? 0;
  const start = Math.max(0, at - SNIPPET / 3);
  const end = Math.min(text.length, start + SNIPPET);
  return `${start > 0 ? '…' : ''}${text.slice(start, end).replace(/\s+/g, ' ').trim()}${end < text.length ? '…' : ''}`;
}

export class MessageIndex {
  private db: AnyOrama;
  /** Per chat: its fingerprint when indexed and the ids of its Orama documents. */
  private chats = new Map<string, { fingerprint: string; ids: string[] }>();
  /** True when something changed since the last export. */
  changed = false;

  constructor() {
    this.db = create({ schema: SCHEMA });
  }

  /** How many messages are indexed. */
  get size(): number {
    return count(this.db);
  }

  /** True when the chat is indexed as it is now. */
  isCurrent(chat: string, messages: readonly IndexedMessage[]): boolean {
    return this.chats.get(chat)?.fingerprint === chatFingerprint(messages);
  }

  /** Indexes a chat's messages, replacing what was indexed for it; nothing happens when it did not change. */
  async indexChat(chat: string, messages: readonly IndexedMessage[]): Promise<boolean> {
    const fingerprint = chatFingerprint(messages);
    const had = this.chats.get(chat);
    if (had?.fingerprint === fingerprint) return false;
    if (had) await removeMultiple(this.db, had.ids);
    const docs = messages.filter((m) => m.content.trim() !== '').map((m) => ({
      id: `${chat}/${m.id}`, chat, message: m.id, role: m.role, text: m.content.slice(0, MAX_INDEXED_CHARS), at: m.createdAt,
    }));
    if (docs.length > 0) await insertMultiple(this.db, docs);
    this.chats.set(chat, { fingerprint, ids: docs.map((d) => d.id) });
    this.changed = true;
    return true;
  }

  /** Forgets a chat (deleted). */
  async removeChat(chat: string): Promise<void> {
    const had = this.chats.get(chat);
    if (!had) return;
    await removeMultiple(this.db, had.ids);
    this.chats.delete(chat);
    this.changed = true;
  }

  /** The chats indexed. */
  indexedChats(): string[] {
    return [...this.chats.keys()];
  }

  /** Messages matching the query (typo-tolerant by one letter for words of five or more), best first. */
  async search(query: string, limit = 20): Promise<MessageHit[]> {
    const term = query.trim();
    if (term === '') return [];
    const r = await search(this.db, { term, properties: ['text'], limit, tolerance: term.length >= 5 ? 1 : 0 });
    return r.hits.map((h) => {
      const d = h.document as unknown as { chat: string; message: string; text: string };
      return { chat: d.chat, message: d.message, snippet: snippetOf(d.text, term), score: h.score };
    });
  }

  /** The index as bytes (to be sealed by the caller). */
  async export(): Promise<Uint8Array> {
    const raw = await save(this.db);
    return new TextEncoder().encode(JSON.stringify({ v: VERSION, chats: [...this.chats], raw }));
  }

  /** An index from exported bytes; an empty one when they do not parse or are of another version. */
  static async restore(bytes: Uint8Array): Promise<MessageIndex> {
    const index = new MessageIndex();
    try {
      const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { v?: unknown; chats?: unknown; raw?: unknown };
      if (parsed.v !== VERSION || !Array.isArray(parsed.chats) || typeof parsed.raw !== 'object' || parsed.raw === null) return index;
      const db = create({ schema: SCHEMA });
      await load(db, parsed.raw as Parameters<typeof load>[1]);
      index.db = db;
      index.chats = new Map(parsed.chats as [string, { fingerprint: string; ids: string[] }][]);
    } catch {
      return new MessageIndex();
    }
    return index;
  }
}
