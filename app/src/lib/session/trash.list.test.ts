import { describe, expect, it } from 'vitest';
import type { ChatId, DocId } from '@tendril/crdt-schema/ids';
import type { ChatEntry } from '@tendril/crdt-schema/schema';
import { trashOf } from './trash.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 7, 12);
const entry = (id: string, deletedAt?: number): ChatEntry => ({
  id: id.padEnd(22, '_') as ChatId, docId: id.padEnd(22, '-') as DocId, title: id, pinned: false, deleted: deletedAt !== undefined, ...(deletedAt !== undefined ? { deletedAt } : {}), createdAt: 0, createdBy: 'x'.repeat(43), updatedAt: 0,
}) as ChatEntry;

describe('the trash', () => {
  it('lists chats deleted in the last 30 days, newest first, with the days they have left', () => {
    const list = trashOf([entry('live'), entry('old', NOW - 30 * DAY), entry('week', NOW - 7 * DAY), entry('now', NOW - 1000), entry('last', NOW - 30 * DAY + 1000)], NOW);
    expect(list.map((t) => [t.entry.title, t.daysLeft])).toEqual([['now', 29], ['week', 23], ['last', 0]]);
  });
});
