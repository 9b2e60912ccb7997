/** Attachments on user turns: references only, checked on write, bad stored values skipped on read, synced. */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import type { DeviceId } from '../ids.ts';
import { chatDoc } from './chat.ts';
import { attachmentProblem, MAX_ATTACHMENT_BYTES } from './chat-attachments.ts';
import { MESSAGE } from './keys.ts';

const author = 'dev-a' as DeviceId;
const blob = 'ab'.repeat(32);
const image = { blob, name: 'cat.png', mime: 'image/png', size: 1234 };
const notes = { blob: 'cd'.repeat(32), name: 'notes.md', mime: 'text/markdown', size: 99 };

describe('chat attachments', () => {
  it('keeps the references of a user turn and syncs them to another replica', () => {
    const a = new Y.Doc();
    const id = chatDoc(a).addMessage({ author, role: 'user', content: 'look', attachments: [image, notes] });
    const b = new Y.Doc();
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(chatDoc(b).message(id)?.attachments).toEqual([image, notes]);
    const plain = chatDoc(a).addMessage({ author, role: 'user', content: 'none' });
    expect(chatDoc(a).message(plain)?.attachments).toBeUndefined();
  });

  it('refuses bad attachments on write with the reason, and stores nothing', () => {
    const chat = chatDoc(new Y.Doc());
    const bad = (attachments: unknown[], why: RegExp): void => {
      expect(() => chat.addMessage({ author, role: 'user', content: 'x', attachments: attachments as never })).toThrow(why);
    };
    bad([{ ...image, size: MAX_ATTACHMENT_BYTES + 1 }], /at most 10 MB/);
    bad([{ ...image, mime: 'application/x-msdownload' }], /only images .* and text files/);
    bad([{ ...image, blob: 'nothex' }], /64 hex digits/);
    bad(Array.from({ length: 11 }, () => image), /at most 10/);
    expect(() => chat.addMessage({ author, role: 'assistant', content: 'x', attachments: [image] })).toThrow(/only user turns/);
    expect(chat.count()).toBe(0);
  });

  it('skips malformed stored attachments instead of failing the message', () => {
    const doc = new Y.Doc();
    const chat = chatDoc(doc);
    const id = chat.addMessage({ author, role: 'user', content: 'x', attachments: [image] });
    const m = doc.getMap('messages').get(id) as Y.Map<unknown>;
    m.set(MESSAGE.attachments, [image, { blob: 'zz', name: 3 }, 'junk']);
    expect(chat.message(id)?.attachments).toEqual([image]);
    m.set(MESSAGE.attachments, 'junk');
    expect(chat.message(id)?.attachments).toBeUndefined();
  });

  it('states the cap in its refusal', () => {
    expect(attachmentProblem({ name: 'big.png', mime: 'image/png', size: 11 * 1024 * 1024 })).toBe('big.png is 11.0 MB; attachments are at most 10 MB each');
    expect(attachmentProblem({ name: 'a.txt', mime: 'text/plain', size: 10 })).toBeUndefined();
  });
});
