import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import type { ChatId, DocId } from '../ids.ts';
import { docWithClient, forkDoc, syncDocs } from '../testkit/sync-docs.ts';
import { CHAT_ENTRY, LEGACY, META, ROOT_META, WORKSPACE } from './keys.ts';
import { readMeta } from './meta.ts';
import { UPGRADE_STEPS } from './upgrades.ts';
import { CURRENT_VERSION, stepsFor, upgrade } from './version.ts';
import { workspaceDoc } from './workspace.ts';

const CHAT = 'AAAAAAAAAAAAAAAAAAAAAA' as ChatId;
const DOC = 'BBBBBBBBBBBBBBBBBBBBBB' as DocId;

/** A workspace document as schema version 1 wrote it: chat titles under `name`. */
function workspaceV1(clientID = 1): Y.Doc {
  const doc = docWithClient(clientID);
  doc.transact(() => {
    doc.getMap(ROOT_META).set(META.kind, 'workspace');
    doc.getMap(ROOT_META).set(META.schemaVersion, 1);
    const entry = new Y.Map<unknown>();
    doc.getMap(WORKSPACE.chats).set(CHAT, entry);
    entry.set(CHAT_ENTRY.docId, DOC);
    entry.set(LEGACY.chatEntryName, 'Old title');
    entry.set(CHAT_ENTRY.createdAt, 5);
  });
  return doc;
}

const rawEntry = (doc: Y.Doc): Y.Map<unknown> => doc.getMap(WORKSPACE.chats).get(CHAT) as Y.Map<unknown>;

describe('schema upgrades', () => {
  it('has contiguous steps from version 1 to the current version of every kind', () => {
    for (const [kind, version] of Object.entries(CURRENT_VERSION)) {
      expect(stepsFor(kind as keyof typeof CURRENT_VERSION, UPGRADE_STEPS, version)).toHaveLength(version - 1);
    }
    expect(() => stepsFor('workspace', [], 2)).toThrow(/0 upgrade steps/);
  });

  it('renames a chat entry name to title going from workspace 1 to 2', () => {
    const doc = workspaceV1();
    expect(upgrade(doc, UPGRADE_STEPS)).toEqual({ kind: 'workspace', from: 1, to: 2, writable: true });
    expect(rawEntry(doc).get(CHAT_ENTRY.title)).toBe('Old title');
    expect(rawEntry(doc).has(LEGACY.chatEntryName)).toBe(false);
    expect(readMeta(doc)).toEqual({ kind: 'workspace', schemaVersion: 2 });
    const before = Y.encodeStateVector(doc);
    expect(upgrade(doc, UPGRADE_STEPS)).toEqual({ kind: 'workspace', from: 2, to: 2, writable: true });
    expect(Y.encodeStateVector(doc)).toEqual(before);
  });

  it('reads a version 1 document before it is upgraded', () => {
    expect(workspaceDoc(workspaceV1()).chats.get(CHAT)?.title).toBe('Old title');
  });

  it('upgrades an older document on the first write through an accessor', () => {
    const doc = workspaceV1();
    workspaceDoc(doc).chats.pin(CHAT, true);
    expect(readMeta(doc)?.schemaVersion).toBe(2);
    expect(rawEntry(doc).has(LEGACY.chatEntryName)).toBe(false);
    expect(workspaceDoc(doc).chats.get(CHAT)).toMatchObject({ title: 'Old title', pinned: true });
  });

  it('converges when two peers upgrade the same document concurrently', () => {
    const a = workspaceV1(1);
    const b = forkDoc(a, 2);
    upgrade(a, UPGRADE_STEPS);
    upgrade(b, UPGRADE_STEPS);
    workspaceDoc(b).chats.rename(CHAT, 'New title');
    syncDocs(a, b);
    expect(workspaceDoc(a).toJSON()).toEqual(workspaceDoc(b).toJSON());
    expect(readMeta(a)?.schemaVersion).toBe(2);
    expect(rawEntry(a).has(LEGACY.chatEntryName)).toBe(false);
  });

  it('prefers the upgraded field over old-layout data from a peer that had not synced the upgrade', () => {
    const a = workspaceV1(1);
    const stale = forkDoc(a, 2);
    upgrade(a, UPGRADE_STEPS);
    rawEntry(stale).set(LEGACY.chatEntryName, 'Written by old code');
    syncDocs(a, stale);
    workspaceDoc(a).chats.pin(CHAT, true);
    syncDocs(a, stale);
    expect(workspaceDoc(a).chats.get(CHAT)).toMatchObject({ title: 'Old title', pinned: true });
    expect(workspaceDoc(stale).toJSON()).toEqual(workspaceDoc(a).toJSON());
  });
});
