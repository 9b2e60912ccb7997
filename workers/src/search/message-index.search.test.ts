/**
 * The message index: finds a word inside any chat's messages (with the chat
 * and message to open), reindexes a chat only when it changed, forgets a
 * removed chat; at rest it is sealed with the device's local key (no message
 * text in the stored bytes), restored whole, and ignored when it does not open.
 */
import { describe, expect, it } from 'vitest';
import { loadCrypto } from '@tendril/crdt-schema/crypto';
import type { DeviceId, DocId, WorkspaceId } from '@tendril/crdt-schema/ids';
import { MemoryDocStore } from '@tendril/crdt-schema/sync';
import { MessageIndex, snippetOf, type IndexedMessage } from './message-index.ts';
import { messageIndexId, messageIndexStore } from './message-index-store.ts';

const WORKSPACE = 'W'.repeat(22) as WorkspaceId;
const DEVICE = `${'D'.repeat(42)}A` as DeviceId;
const msg = (id: string, content: string, role = 'user'): IndexedMessage => ({ id, role, content, createdAt: 1 });

describe('message index', () => {
  it('finds a word inside another chat\'s message, and follows edits and removals', async () => {
    const index = new MessageIndex();
    await index.indexChat('chat-a', [msg('a1', 'Plans for the weekend'), msg('a2', 'Let us go hiking near the quarry.', 'assistant')]);
    await index.indexChat('chat-b', [msg('b1', 'Budget for Q3')]);
    expect(await index.search('quarry')).toEqual([expect.objectContaining({ chat: 'chat-a', message: 'a2', snippet: 'Let us go hiking near the quarry.' })]);
    expect(await index.search('quary')).toHaveLength(1);
    expect(await index.search('')).toEqual([]);
    expect(await index.indexChat('chat-b', [msg('b1', 'Budget for Q3')])).toBe(false);
    expect(await index.indexChat('chat-b', [msg('b1', 'Budget for Q3'), msg('b2', 'the quarry invoice', 'assistant')])).toBe(true);
    expect((await index.search('quarry')).map((h) => h.chat).sort()).toEqual(['chat-a', 'chat-b']);
    await index.indexChat('chat-a', [msg('a1', 'Plans for the weekend')]);
    expect((await index.search('quarry')).map((h) => h.message)).toEqual(['b2']);
    await index.removeChat('chat-b');
    expect(await index.search('quarry')).toEqual([]);
    expect(index.size).toBe(1);
  });

  it('cuts a snippet around the match', () => {
    const text = `${'x '.repeat(200)}the needle is here${' y'.repeat(200)}`;
    const s = snippetOf(text, 'needle');
    expect(s).toContain('the needle is here');
    expect(s.startsWith('…') && s.endsWith('…')).toBe(true);
    expect(s.length).toBeLessThan(130);
  });

  it('is sealed at rest with the device\'s local key, restored whole, and ignored when it does not open', async () => {
    const crypto = await loadCrypto();
    const stores = new Map<DocId, MemoryDocStore>();
    const storeFor = (d: DocId) => stores.get(d) ?? (stores.set(d, new MemoryDocStore()), stores.get(d)!);
    const home = { crypto, workspace: WORKSPACE, device: DEVICE, localKey: crypto.randomBytes(32), storeFor };
    const index = new MessageIndex();
    await index.indexChat('chat-a', [msg('a1', 'the secret word is marmalade')]);
    await messageIndexStore(home).save(index);
    expect(index.changed).toBe(false);

    const state = (await storeFor(messageIndexId(crypto, WORKSPACE, DEVICE)).load()).state!;
    expect(Buffer.from(state).includes(Buffer.from('marmalade'))).toBe(false);
    expect(Buffer.from(state).includes(Buffer.from('chat-a'))).toBe(false);

    const restored = await messageIndexStore(home).load();
    expect((await restored.search('marmalade')).map((h) => [h.chat, h.message])).toEqual([['chat-a', 'a1']]);
    expect(restored.isCurrent('chat-a', [msg('a1', 'the secret word is marmalade')])).toBe(true);

    expect((await messageIndexStore({ ...home, localKey: crypto.randomBytes(32) }).load()).size).toBe(0);
    state[state.length - 1]! ^= 1;
    expect((await messageIndexStore(home).load()).size).toBe(0);
  });
});
