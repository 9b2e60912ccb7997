/** Exports name a turn's attachments (name, type, size), never their blob ids or bytes. */
import { describe, expect, it } from 'vitest';
import type { ChatId, DeviceId, MessageId } from '@tendril/crdt-schema/ids';
import type { ChatMessage } from '@tendril/crdt-schema/schema';
import { chatToJson, chatToMarkdown } from './chat-export.ts';

const turn: ChatMessage = {
  id: 'm1' as MessageId, author: 'dev' as DeviceId, role: 'user', content: 'see these', status: 'done', createdAt: Date.UTC(2026, 11, 7),
  attachments: [{ blob: 'a'.repeat(64), name: 'cat.png', mime: 'image/png', size: 1234 }, { blob: 'b'.repeat(64), name: 'notes.md', mime: 'text/markdown', size: 56 }],
};
const c = { id: 'c'.repeat(22) as ChatId, title: 'Pictures', messages: [turn], at: Date.UTC(2026, 11, 8) };

describe('chat export with attachments', () => {
  it('lists them in Markdown and JSON', () => {
    expect(chatToMarkdown(c)).toContain('see these\n\nAttached: cat.png (image/png, 1234 bytes), notes.md (text/markdown, 56 bytes)\n');
    const json = JSON.parse(chatToJson(c)) as { messages: { attachments?: unknown }[] };
    expect(json.messages[0]!.attachments).toEqual([{ name: 'cat.png', mime: 'image/png', size: 1234 }, { name: 'notes.md', mime: 'text/markdown', size: 56 }]);
    expect(chatToJson(c)).not.toContain('a'.repeat(64));
  });
});
