/** The chats a spending check counts: every chat of the index, deleted ones included, each opened once; unopenable ones left out. */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import type { ChatId } from '@tendril/crdt-schema/ids';
import { chatDoc, workspaceDoc, type ChatDoc } from '@tendril/crdt-schema/schema';
import { TendrilError } from '@tendril/crdt-schema/errors';
import { spendChats } from './spend-chats.ts';

describe('spendChats', () => {
  it('opens every chat once, deleted ones included, and skips one it cannot open', async () => {
    const index = workspaceDoc(new Y.Doc());
    const kept = index.chats.create({ title: 'kept' }).id;
    const trashed = index.chats.create({ title: 'trashed' }).id;
    const locked = index.chats.create({ title: 'no keys' }).id;
    index.chats.delete(trashed);
    const docs = new Map<ChatId, ChatDoc>([[kept, chatDoc(new Y.Doc())], [trashed, chatDoc(new Y.Doc())]]);
    const opens: ChatId[] = [];
    const all = spendChats({
      workspace: () => index,
      openChat: async (id) => {
        opens.push(id);
        const chat = docs.get(id);
        if (!chat) throw new TendrilError('E_KEY_MISSING', 'no keys');
        return { chat };
      },
    });
    expect((await all()).map((c) => c.id).sort()).toEqual([kept, trashed].sort());
    const later = index.chats.create({ title: 'later' }).id;
    docs.set(later, chatDoc(new Y.Doc()));
    expect((await all()).map((c) => c.id).sort()).toEqual([kept, trashed, later].sort());
    expect(opens.sort()).toEqual([kept, trashed, locked, later].sort());
  });
});
