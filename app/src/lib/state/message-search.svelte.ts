/**
 * Search in message text across every chat, for the sidebar: an Orama index
 * of the messages of each chat's shown branch, built and kept on this device
 * (MessageIndex in the shared agent core) and saved sealed with the device's
 * local key in its IndexedDB (never synced, never sent). Built on the first
 * search: every chat the device holds is opened and indexed when it changed
 * since the saved index, and kept current while open (a change is indexed
 * again a moment later). Where a result points, the chat page scrolls to it
 * (`focus`).
 */
import type { ChatId, MessageId } from '@tendril/crdt-schema/ids';
import type { ChatDoc, ChatEntry } from '@tendril/crdt-schema/schema';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { MessageIndex, messageIndexStore, type MessageHit, type MessageIndexStore } from '@tendril/workers/agent-core';

/** A change to an open chat is indexed this long after it settles (a streaming reply changes it many times a second). */
const REINDEX_AFTER_MS = 1_500;
const SAVE_AFTER_MS = 3_000;

export interface MessageResult extends MessageHit {
  readonly title: string;
}

export class MessageSearch {
  /** Building: the first search waits for the chats to be indexed. */
  building = $state(false);
  /** The message a search result opened, for the chat page to scroll to. */
  focus = $state.raw<{ chat: ChatId; message: MessageId } | null>(null);
  private index: MessageIndex | null = null;
  private ready: Promise<MessageIndex> | null = null;
  private readonly store: MessageIndexStore;
  private readonly session: WorkspaceSession;
  private readonly chats: () => readonly ChatEntry[];
  private readonly watching = new Map<ChatId, () => void>();
  private readonly timers = new Map<ChatId, ReturnType<typeof setTimeout>>();
  private saveTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(session: WorkspaceSession, chats: () => readonly ChatEntry[]) {
    this.session = session;
    this.chats = chats;
    const home = session.home;
    this.store = messageIndexStore({ crypto: session.crypto, workspace: home.config.workspace, device: home.identity.deviceId, localKey: home.localKey, storeFor: (d) => home.storeFor(d) });
  }

  /** Messages matching `query`, best first, with their chat's title; [] on a device that cannot read chats. */
  async search(query: string, limit = 20): Promise<MessageResult[]> {
    if (!this.session.home.keys.has('chat') || query.trim() === '') return [];
    const index = await this.build();
    const titles = new Map(this.chats().map((c) => [c.id as string, c.title]));
    return (await index.search(query, limit * 2)).filter((h) => titles.has(h.chat)).slice(0, limit).map((h) => ({ ...h, title: titles.get(h.chat)! }));
  }

  /** Loads the saved index, then brings every chat up to date (once; later changes are followed). */
  private build(): Promise<MessageIndex> {
    this.ready ??= (async () => {
      this.building = true;
      try {
        const index = await this.store.load().catch(() => new MessageIndex());
        this.index = index;
        await this.refresh();
        return index;
      } finally {
        this.building = false;
      }
    })();
    return this.ready;
  }

  /** Indexes chats that changed, forgets deleted ones, and follows every open chat. */
  async refresh(): Promise<void> {
    const index = this.index;
    if (!index || this.closed) return;
    const listed = new Set(this.chats().map((c) => c.id as string));
    for (const id of index.indexedChats()) if (!listed.has(id)) await index.removeChat(id);
    for (const c of this.chats()) {
      if (this.closed) return;
      try {
        const { chat } = await this.session.openChat(c.id);
        await index.indexChat(c.id, messagesOf(chat));
        if (!this.watching.has(c.id)) this.watching.set(c.id, chat.observe(() => this.later(c.id, chat)));
      } catch {
        // A chat that does not open is left out of the results, not the others.
      }
    }
    this.saveSoon();
  }

  private later(id: ChatId, chat: ChatDoc): void {
    clearTimeout(this.timers.get(id));
    this.timers.set(id, setTimeout(() => {
      this.timers.delete(id);
      if (this.closed || !this.index) return;
      void this.index.indexChat(id, messagesOf(chat)).then((changed) => changed && this.saveSoon());
    }, REINDEX_AFTER_MS));
  }

  private saveSoon(): void {
    if (this.saveTimer !== null || !this.index?.changed) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      if (this.index) void this.store.save(this.index).catch(() => undefined);
    }, SAVE_AFTER_MS);
  }

  /** Stops following chats and saves what changed. */
  async close(): Promise<void> {
    this.closed = true;
    for (const stop of this.watching.values()) stop();
    for (const t of this.timers.values()) clearTimeout(t);
    if (this.saveTimer !== null) clearTimeout(this.saveTimer);
    if (this.index) await this.store.save(this.index).catch(() => undefined);
  }
}

/** The messages of the chat's shown branch, as the index takes them. */
function messagesOf(chat: ChatDoc) {
  return chat.branch().messages.map((m) => ({ id: m.id, role: m.role, content: m.content, createdAt: m.createdAt }));
}
