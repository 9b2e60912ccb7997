import { describe, expect, it } from 'vitest';
import { isTendrilError } from '../errors.ts';
import type { ChatId, DeviceId } from '../ids.ts';
import { docsWithClients, docWithClient, syncDocs } from '../testkit/sync-docs.ts';
import { orderKeyBetween } from './order-key.ts';
import { workspaceDoc } from './workspace.ts';

const ME = 'A'.repeat(43) as DeviceId;

function setup() {
  let t = 1000;
  const ws = workspaceDoc(docWithClient(1), { now: () => t });
  return { ws, tick: (ms = 1) => (t += ms) };
}

describe('workspace chats', () => {
  it('creates, renames, pins, tombstones and restores a chat', () => {
    const { ws, tick } = setup();
    const chat = ws.chats.create({ title: 'First', createdBy: ME });
    expect(chat).toMatchObject({ title: 'First', pinned: false, deleted: false, createdAt: 1000, updatedAt: 1000, createdBy: ME });
    tick();
    ws.chats.rename(chat.id, 'Renamed');
    ws.chats.pin(chat.id, true);
    expect(ws.chats.get(chat.id)).toMatchObject({ title: 'Renamed', pinned: true });
    ws.chats.delete(chat.id);
    expect(ws.chats.list()).toEqual([]);
    expect(ws.chats.list({ includeDeleted: true })[0]).toMatchObject({ id: chat.id, deleted: true, deletedAt: 1001 });
    ws.chats.restore(chat.id);
    expect(ws.chats.list().map((c) => c.id)).toEqual([chat.id]);
  });

  it('lists pinned first, then manually ordered, then most recently updated', () => {
    const { ws, tick } = setup();
    const names = ['a', 'b', 'c', 'd', 'e'];
    const ids: Record<string, ChatId> = {};
    for (const n of names) {
      ids[n] = ws.chats.create({ title: n }).id;
      tick();
    }
    ws.chats.touch(ids.a!);
    ws.chats.pin(ids.c!, true);
    const first = orderKeyBetween();
    ws.chats.reorder(ids.e!, first);
    ws.chats.reorder(ids.b!, orderKeyBetween(undefined, first));
    expect(ws.chats.list().map((c) => c.title)).toEqual(['c', 'b', 'e', 'a', 'd']);
    ws.chats.reorder(ids.b!, undefined);
    expect(ws.chats.list().map((c) => c.title)).toEqual(['c', 'e', 'a', 'd', 'b']);
  });

  it('never moves updatedAt backwards', () => {
    const { ws } = setup();
    const c = ws.chats.create({ title: 'x' });
    ws.chats.touch(c.id, 5000);
    ws.chats.touch(c.id, 2000);
    expect(ws.chats.get(c.id)?.updatedAt).toBe(5000);
  });

  it('rejects bad input without writing', () => {
    const { ws } = setup();
    const bad = [
      () => ws.chats.create({ title: '' }),
      () => ws.chats.rename('nope' as ChatId, 'x'),
      () => ws.chats.reorder(ws.chats.create({ title: 'x' }).id, 'bad key!'),
    ];
    for (const f of bad) {
      expect(() => f()).toThrow();
      try {
        f();
      } catch (e) {
        expect(isTendrilError(e, 'E_BAD_INPUT')).toBe(true);
      }
    }
  });

  it('merges concurrent edits of two peers into the same list on both', () => {
    const [da, db] = docsWithClients(2) as [never, never];
    const a = workspaceDoc(da, { now: () => 10 });
    const b = workspaceDoc(db, { now: () => 20 });
    const shared = a.chats.create({ title: 'shared' });
    syncDocs(da, db);
    a.chats.rename(shared.id, 'from a');
    b.chats.pin(shared.id, true);
    b.chats.delete(shared.id);
    a.chats.create({ title: 'only a' });
    b.chats.create({ title: 'only b' });
    syncDocs(da, db);
    expect(a.chats.list({ includeDeleted: true })).toEqual(b.chats.list({ includeDeleted: true }));
    expect(a.chats.get(shared.id)).toMatchObject({ title: 'from a', pinned: true, deleted: true });
    expect(a.chats.list().map((c) => c.title)).toEqual(['only b', 'only a']);
  });

  it('settles a concurrent rename of the same chat the same way on both peers', () => {
    const [da, db] = docsWithClients(2) as [never, never];
    const a = workspaceDoc(da);
    const b = workspaceDoc(db);
    const c = a.chats.create({ title: 'x' });
    syncDocs(da, db);
    a.chats.rename(c.id, 'A');
    b.chats.rename(c.id, 'B');
    syncDocs(da, db);
    expect(a.chats.get(c.id)?.title).toBe(b.chats.get(c.id)?.title);
  });
});
