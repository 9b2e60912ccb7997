/**
 * The workspace index document: the workspace's name and id, and the lists
 * that point at every other document (chats, terminal sessions), plus members,
 * gateway and worker announcements and key lockboxes.
 *
 *   const ws = workspaceDoc(ydoc);
 *   ws.chats.create({ title: 'Plans' }); ws.chats.list();
 */
import type * as Y from 'yjs';
import type { DeviceId, WorkspaceId } from '../ids.ts';
import { badInput, checkText, readNumber, readString } from './fields.ts';
import { ROOT_META, WORKSPACE, WORKSPACE_INFO } from './keys.ts';
import { readMeta, type DocMeta } from './meta.ts';
import { announcementsSection, type Announcement } from './workspace-announcements.ts';
import { chatsSection, type ChatEntry } from './workspace-chats.ts';
import { lockboxesSection, type Lockbox } from './workspace-lockboxes.ts';
import { membersSection, type Member } from './workspace-members.ts';
import { sessionsSection, type SessionEntry } from './workspace-sessions.ts';
import { makeWriter, observeRoots, type AccessorOptions } from './writer.ts';

export interface WorkspaceInfo {
  readonly id: WorkspaceId;
  readonly name: string;
  readonly createdAt?: number;
  readonly createdBy?: DeviceId;
}

/** Everything the index holds, as plain data (tombstoned chats and revoked members included). */
export interface WorkspaceState {
  readonly meta?: DocMeta;
  readonly info?: WorkspaceInfo;
  readonly chats: ChatEntry[];
  readonly sessions: SessionEntry[];
  readonly members: Member[];
  readonly gateways: Announcement[];
  readonly workers: Announcement[];
  readonly lockboxes: Lockbox[];
}

export function workspaceDoc(doc: Y.Doc, options: AccessorOptions = {}) {
  const w = makeWriter(doc, 'workspace', options);
  const info = doc.getMap<unknown>(WORKSPACE.info);
  const sections = {
    chats: chatsSection(doc, w),
    sessions: sessionsSection(doc, w),
    members: membersSection(doc, w),
    gateways: announcementsSection(doc, WORKSPACE.gateways, w),
    workers: announcementsSection(doc, WORKSPACE.workers, w),
    lockboxes: lockboxesSection(doc, w),
  };
  const readInfo = (): WorkspaceInfo | undefined => {
    const id = readString(info, WORKSPACE_INFO.id);
    if (id === undefined) return undefined;
    return {
      id: id as WorkspaceId,
      name: readString(info, WORKSPACE_INFO.name) ?? '',
      createdAt: readNumber(info, WORKSPACE_INFO.createdAt),
      createdBy: readString(info, WORKSPACE_INFO.createdBy) as DeviceId | undefined,
    };
  };
  return {
    ...sections,
    /** Stamps a new workspace. Idempotent for the same id; E_BAD_INPUT for another. */
    init(input: { id: WorkspaceId; name: string; createdBy?: DeviceId }): WorkspaceInfo {
      const name = checkText(input.name, 'name', 200);
      const current = readString(info, WORKSPACE_INFO.id);
      if (current !== undefined && current !== input.id) badInput(`document belongs to workspace ${current}`);
      const at = w.now();
      w.write(() => {
        if (current === undefined) {
          info.set(WORKSPACE_INFO.id, input.id);
          info.set(WORKSPACE_INFO.createdAt, at);
          if (input.createdBy !== undefined) info.set(WORKSPACE_INFO.createdBy, input.createdBy);
        }
        info.set(WORKSPACE_INFO.name, name);
      });
      return readInfo()!;
    },
    info: readInfo,
    rename(name: string): void {
      const n = checkText(name, 'name', 200);
      w.write(() => info.set(WORKSPACE_INFO.name, n));
    },
    /** Calls `listener` after each local or remote change to the index. */
    observe(listener: () => void): () => void {
      const roots = [ROOT_META, ...Object.values(WORKSPACE)].map((name) => doc.getMap<unknown>(name));
      return observeRoots(doc, roots, listener);
    },
    toJSON(): WorkspaceState {
      return {
        meta: readMeta(doc),
        info: readInfo(),
        chats: sections.chats.list({ includeDeleted: true }),
        sessions: sections.sessions.list(),
        members: sections.members.list({ includeRevoked: true }),
        gateways: sections.gateways.list(),
        workers: sections.workers.list(),
        lockboxes: sections.lockboxes.list(),
      };
    },
  };
}

export type WorkspaceDoc = ReturnType<typeof workspaceDoc>;
