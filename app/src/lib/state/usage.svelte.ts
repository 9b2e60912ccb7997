/**
 * The usage records of every chat this device holds, deleted chats included
 * (what they used was spent), kept current as replies land: the Usage page
 * reads them and counts them with the shared totals (usage-totals.ts), so it
 * shows what `tendril usage` prints. Chats are opened through the live
 * workspace, which keeps them on the device anyway.
 */
import type * as Y from 'yjs';
import type { ChatId } from '@tendril/crdt-schema/ids';
import type { ChatDoc } from '@tendril/crdt-schema/schema';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { chatUsage, type UsageRecord } from '@tendril/workers/usage';
import { frameBatched } from './frame-batch.ts';

export interface UsageSource {
  readonly session: WorkspaceSession;
  chat(id: ChatId): Promise<{ sync: { ydoc: Y.Doc }; chat: ChatDoc }>;
}

export class UsageRecords {
  /** Every recorded call, all chats. */
  records = $state.raw<UsageRecord[]>([]);
  /** Chats that could not be opened (their records are missing from the totals). */
  failed = $state(0);
  loading = $state(true);
  private readonly byChat = new Map<ChatId, { chat: ChatDoc; ydoc: Y.Doc; off: () => void }>();
  private readonly batch = frameBatched(() => this.refresh());
  private destroyed = false;

  constructor(private readonly source: UsageSource) {
    void this.load();
  }

  private async load(): Promise<void> {
    const entries = this.source.session.workspace().chats.list({ includeDeleted: true });
    let failed = 0;
    for (const e of entries) {
      if (this.destroyed) return;
      try {
        const { sync, chat } = await this.source.chat(e.id);
        if (this.destroyed) return;
        const onUpdate = (): void => this.batch.schedule();
        sync.ydoc.on('afterTransaction', onUpdate);
        this.byChat.set(e.id, { chat, ydoc: sync.ydoc, off: () => sync.ydoc.off('afterTransaction', onUpdate) });
      } catch {
        failed++;
      }
    }
    this.failed = failed;
    this.refresh();
    this.loading = false;
  }

  private refresh(): void {
    const out: UsageRecord[] = [];
    for (const [id, { chat }] of this.byChat) out.push(...chatUsage(id, chat.messageIds().map((m) => chat.message(m)!)));
    this.records = out;
  }

  destroy(): void {
    this.destroyed = true;
    this.batch.cancel();
    for (const c of this.byChat.values()) c.off();
    this.byChat.clear();
  }
}
