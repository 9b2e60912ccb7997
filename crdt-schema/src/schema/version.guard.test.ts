import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { isTendrilError } from '../errors.ts';
import type { DeviceId } from '../ids.ts';
import { docWithClient } from '../testkit/sync-docs.ts';
import { chatDoc } from './chat.ts';
import { META, ROOT_META } from './keys.ts';
import { readMeta } from './meta.ts';
import { UPGRADE_STEPS } from './upgrades.ts';
import { assertWritable, CURRENT_VERSION, isWritable, upgrade } from './version.ts';
import { workspaceDoc } from './workspace.ts';

const ME = 'A'.repeat(43) as DeviceId;

function expectCode(f: () => unknown, code: 'E_SCHEMA_VERSION' | 'E_BAD_INPUT'): void {
  try {
    f();
  } catch (e) {
    expect(isTendrilError(e, code), String(e)).toBe(true);
    return;
  }
  expect.fail(`expected ${code}`);
}

describe('schema version guard', () => {
  it('stamps kind and current version on the first write to a fresh document', () => {
    const doc = docWithClient(1);
    chatDoc(doc).addMessage({ author: ME, role: 'user', content: 'hi' });
    expect(readMeta(doc)).toEqual({ kind: 'chat', schemaVersion: CURRENT_VERSION.chat });
  });

  it('reads a newer document but refuses to write it, changing nothing', () => {
    const doc = docWithClient(1);
    const chat = chatDoc(doc);
    const id = chat.addMessage({ author: ME, role: 'user', content: 'hi' });
    doc.getMap(ROOT_META).set(META.schemaVersion, CURRENT_VERSION.chat + 1);
    const before = Y.encodeStateAsUpdate(doc);

    expect(chat.transcript().map((m) => m.content)).toEqual(['hi']);
    expectCode(() => chat.addMessage({ author: ME, role: 'user', content: 'again' }), 'E_SCHEMA_VERSION');
    expectCode(() => chat.appendContent(id, '!'), 'E_SCHEMA_VERSION');
    expectCode(() => chat.setStatus(id, 'done'), 'E_SCHEMA_VERSION');
    expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
    expect(isWritable(doc, 'chat')).toBe(false);
    expect(upgrade(doc, UPGRADE_STEPS)).toMatchObject({ writable: false, from: CURRENT_VERSION.chat + 1 });
  });

  it('refuses to write a document of another kind', () => {
    const doc = docWithClient(1);
    workspaceDoc(doc).chats.create({ title: 'x' });
    expectCode(() => chatDoc(doc).addMessage({ author: ME, role: 'user' }), 'E_BAD_INPUT');
    expectCode(() => assertWritable(doc, 'terminal'), 'E_BAD_INPUT');
  });

  it('treats an empty (not yet synced) document as writable with no upgrade to run', () => {
    const doc = docWithClient(1);
    expect(upgrade(doc, UPGRADE_STEPS)).toBeUndefined();
    expect(isWritable(doc, 'settings')).toBe(true);
  });
});
