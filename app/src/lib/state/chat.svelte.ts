/**
 * The live transcript of one open chat. The first read sorts every message
 * once; after that each Yjs transaction re-reads only the messages it
 * touched (a streamed token re-reads one reply), at most once per frame, so a
 * 5,000-message chat with a reply streaming in stays cheap. A streaming reply
 * shows its live tokens (sealed ephemeral frames, or this tab's own runner)
 * beyond the text stored so far.
 */
import type * as Y from 'yjs';
import { activeBranch, compareMessages, type Branch, type ChatDoc, type ChatMessage } from '@tendril/crdt-schema/schema';
import type { DocSync } from '@tendril/crdt-schema/sync';
import { liveRepliesFor, type DeviceSigner, type LiveReplies } from '@tendril/crdt-schema/workspace';
import { changedTopKeys } from './changed-keys.ts';
import { frameBatched } from './frame-batch.ts';

export class ChatTranscript {
  /** Messages in creation order (the same on every device). */
  messages = $state.raw<ChatMessage[]>([]);
  /** What is shown and what the model is sent: one version of each message, and what follows it. */
  readonly branch: Branch = $derived(activeBranch(this.messages));
  readonly chat: ChatDoc;
  private readonly sync: DocSync;
  private readonly byId = new Map<string, ChatMessage>();
  private readonly dirty = new Set<string>();
  private readonly batch = frameBatched(() => this.apply());
  private readonly live: LiveReplies;
  private readonly unwatchLive: () => void;

  constructor(sync: DocSync, chat: ChatDoc, signer: DeviceSigner) {
    this.sync = sync;
    this.chat = chat;
    this.live = liveRepliesFor(sync, chat, signer);
    for (const m of chat.transcript()) this.byId.set(m.id, this.shown(m));
    this.messages = [...this.byId.values()].sort(compareMessages);
    sync.ydoc.on('afterTransaction', this.onTransaction);
    this.unwatchLive = this.live.onChange((reply) => {
      this.dirty.add(reply);
      this.batch.schedule();
    });
  }

  /** The message as shown: a streaming reply with its live text. */
  private shown(m: ChatMessage): ChatMessage {
    const content = this.live.text(m);
    return content === m.content ? m : { ...m, content };
  }

  private readonly onTransaction = (tr: Y.Transaction): void => {
    const keys = changedTopKeys(tr);
    if (keys.size === 0) return;
    for (const k of keys) this.dirty.add(k);
    this.batch.schedule();
  };

  private apply(): void {
    let reorder = false;
    for (const id of this.dirty) {
      const m = this.chat.message(id as ChatMessage['id']);
      const had = this.byId.has(id);
      if (m) {
        this.byId.set(id, this.shown(m));
        if (!had) reorder = true;
      } else if (had) {
        this.byId.delete(id);
        reorder = true;
      }
    }
    this.dirty.clear();
    this.messages = reorder ? [...this.byId.values()].sort(compareMessages) : this.messages.map((m) => this.byId.get(m.id) ?? m);
  }

  destroy(): void {
    this.batch.cancel();
    this.unwatchLive();
    this.sync.ydoc.off('afterTransaction', this.onTransaction);
  }
}
