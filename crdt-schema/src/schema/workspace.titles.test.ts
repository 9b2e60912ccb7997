/**
 * Chat titles: a runner's title shows only on a chat no person named, is
 * written once, and a person's rename always wins, including a rename and a
 * runner's title written at the same time on two peers (in either merge order).
 */
import { describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { docsWithClients, docWithClient, syncDocs } from '../testkit/sync-docs.ts';
import { workspaceDoc } from './workspace.ts';

describe('chat titles', () => {
  it('takes a runner\'s title once on a chat created untitled, never on one created with a title', () => {
    const ws = workspaceDoc(docWithClient(1));
    const unnamed = ws.chats.create({ title: 'New chat', untitled: true });
    const named = ws.chats.create({ title: 'Budget' });
    expect(ws.chats.wantsTitle(unnamed.id)).toBe(true);
    expect(ws.chats.wantsTitle(named.id)).toBe(false);
    expect(ws.chats.setAutoTitle(unnamed.id, 'Tallest trees')).toBe(true);
    expect(ws.chats.get(unnamed.id)).toMatchObject({ title: 'Tallest trees', autoTitled: true, named: false });
    expect(ws.chats.wantsTitle(unnamed.id)).toBe(false);
    expect(ws.chats.setAutoTitle(unnamed.id, 'Another')).toBe(false);
    expect(ws.chats.setAutoTitle(named.id, 'Another')).toBe(false);
    expect(ws.chats.get(named.id)).toMatchObject({ title: 'Budget', autoTitled: false, named: false });
    expect(() => ws.chats.setAutoTitle(unnamed.id, 'x'.repeat(81))).toThrow(/title/);
    expect(() => ws.chats.setAutoTitle(unnamed.id, '   ')).toThrow(/title/);
  });

  it('shows a rename over a runner\'s title written before it', () => {
    const ws = workspaceDoc(docWithClient(1));
    const c = ws.chats.create({ title: 'New chat', untitled: true });
    ws.chats.setAutoTitle(c.id, 'From the runner');
    ws.chats.rename(c.id, 'Mine');
    expect(ws.chats.get(c.id)).toMatchObject({ title: 'Mine', named: true, autoTitled: false });
  });

  // Which peer's write wins a field conflict depends on the client ids: both ways round are tried.
  it.each([['the user on the lower client id', false], ['the user on the higher client id', true]])('keeps a rename made at the same moment as a runner\'s title on another peer (%s)', (_label, swap) => {
    const docs = docsWithClients(2) as [Y.Doc, Y.Doc];
    const [da, db] = swap ? [docs[1], docs[0]] : docs;
    const user = workspaceDoc(da);
    const runner = workspaceDoc(db);
    const c = user.chats.create({ title: 'New chat', untitled: true });
    syncDocs(da, db);
    // Neither peer has seen the other's write when it makes its own.
    expect(runner.chats.wantsTitle(c.id)).toBe(true);
    user.chats.rename(c.id, 'My own title');
    expect(runner.chats.setAutoTitle(c.id, 'A runner title')).toBe(true);
    syncDocs(da, db);
    expect(user.chats.get(c.id)?.title).toBe('My own title');
    expect(runner.chats.get(c.id)?.title).toBe('My own title');
    expect(runner.chats.wantsTitle(c.id)).toBe(false);
  });
});
