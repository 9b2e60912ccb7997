/**
 * The trash: chats deleted in the last 30 days, newest first, each with the
 * days it has left, restorable with `chats.restore` (an undo, synced like the
 * delete). A chat deleted longer ago is no longer listed: it stays deleted.
 * Deleting tells the page through a window event, so the undo notice can
 * offer to take it back without any shared store.
 */
import type { ChatEntry } from '@tendril/crdt-schema/schema';

export const TRASH_DAYS = 30;
const DAY = 86_400_000;

export interface TrashedChat {
  readonly entry: ChatEntry;
  /** Whole days before it leaves the trash (0 on its last day). */
  readonly daysLeft: number;
}

export function trashOf(entries: readonly ChatEntry[], now: number): TrashedChat[] {
  return entries
    .filter((e) => e.deleted && e.deletedAt !== undefined && now - e.deletedAt < TRASH_DAYS * DAY)
    .sort((a, b) => b.deletedAt! - a.deletedAt!)
    .map((entry) => ({ entry, daysLeft: Math.max(0, Math.floor((entry.deletedAt! + TRASH_DAYS * DAY - now) / DAY)) }));
}

/** The event a delete sends, and what it carries. */
export const TRASHED_EVENT = 'tendril:chat-trashed';
export interface TrashedDetail {
  readonly id: ChatEntry['id'];
  readonly title: string;
}
