/** The workspace index as reactive state: its name, the chat list, the members, terminal sessions and gateways, refreshed once per frame on change. */
import type { Announcement, ChatEntry, Member, SessionEntry, WorkspaceInfo } from '@tendril/crdt-schema/schema';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { frameBatched } from './frame-batch.ts';

export class WorkspaceIndex {
  info = $state.raw<WorkspaceInfo | undefined>(undefined);
  chats = $state.raw<ChatEntry[]>([]);
  members = $state.raw<Member[]>([]);
  sessions = $state.raw<SessionEntry[]>([]);
  gateways = $state.raw<Announcement[]>([]);
  private readonly session: WorkspaceSession;
  private readonly stop: () => void;
  private readonly batch = frameBatched(() => this.refresh());
  private readonly listeners = new Set<() => void>();

  constructor(session: WorkspaceSession) {
    this.session = session;
    this.refresh();
    this.stop = session.workspace().observe(() => this.batch.schedule());
  }

  private refresh(): void {
    const ws = this.session.workspace();
    this.info = ws.info();
    this.chats = ws.chats.list();
    this.members = ws.members.list({ includeRevoked: true });
    this.sessions = ws.sessions.list();
    this.gateways = ws.gateways.list();
    for (const l of this.listeners) l();
  }

  /** Calls `listener` after each refresh (for work that follows the chat list, like opening new chats). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  memberName(device: string): string {
    return this.members.find((m) => m.device === device)?.name ?? 'an unknown device';
  }

  destroy(): void {
    this.batch.cancel();
    this.stop();
    this.listeners.clear();
  }
}
