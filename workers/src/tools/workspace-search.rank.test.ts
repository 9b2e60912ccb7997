import { describe, expect, it } from 'vitest';
import type { ChatId, DeviceId, MessageId } from '@tendril/crdt-schema/ids';
import type { ChatMessage } from '@tendril/crdt-schema/schema';
import { formatHits, searchDocs, searchTerms, type SearchDoc } from './workspace-search.ts';

const ME = 'A'.repeat(43) as DeviceId;
let n = 0;
const msg = (content: string, extra: Partial<ChatMessage> = {}): ChatMessage => ({
  id: `m${++n}` as MessageId, author: ME, role: 'user', content, status: 'done', createdAt: 1000 + n, ...extra,
});
const doc = (id: string, title: string, messages: ChatMessage[]): SearchDoc => ({ chat: { id: id as ChatId, title }, messages });

describe('workspace search', () => {
  it('splits a query into lower-case words', () => {
    expect(searchTerms('Quarterly  REPORT, 2025!')).toEqual(['quarterly', 'report', '2025']);
    expect(searchTerms('a')).toEqual(['a']);
    expect(searchTerms('  ,;  ')).toEqual([]);
  });

  it('ranks messages with every term and the exact phrase first, then the newest', () => {
    const docs = [
      doc('c1', 'Planning', [msg('the budget is tight'), msg('we fixed the quarterly budget review yesterday'), msg('quarterly things')]),
      doc('c2', 'Other', [msg('nothing relevant here')]),
    ];
    const hits = searchDocs(docs, 'quarterly budget');
    expect(hits.map((h) => h.snippet)).toEqual(['we fixed the quarterly budget review yesterday', 'quarterly things', 'the budget is tight']);
    expect(hits[0]).toMatchObject({ chatId: 'c1', chatTitle: 'Planning', kind: 'message', role: 'user' });
  });

  it('finds files of a folder index by their current text only', () => {
    const old = msg('file: notes/plan.md\nfolder: /home/me/notes\nmodified: x\nsize: 3\n\nold zebra text', { role: 'tool', editedAt: 5 });
    const current = msg('file: notes/plan.md\nfolder: /home/me/notes\nmodified: y\nsize: 3\n\nnew giraffe text', { role: 'tool', parent: old.id });
    const removed = msg('file: gone.md\nfolder: /home/me/notes\nremoved: z', { role: 'tool' });
    const docs = [doc('idx', 'Folder index: /home/me/notes', [old, current, removed])];
    expect(searchDocs(docs, 'zebra')).toEqual([]);
    expect(searchDocs(docs, 'gone')).toEqual([]);
    const [hit] = searchDocs(docs, 'giraffe');
    expect(hit).toMatchObject({ kind: 'file', path: '/home/me/notes/notes/plan.md' });
    expect(formatHits('giraffe', [hit!], 1)).toContain('[file /home/me/notes/notes/plan.md]');
  });

  it('cuts long messages to a snippet around the first match and honours the limit', () => {
    const long = `${'lorem '.repeat(100)}needle ${'ipsum '.repeat(100)}`;
    const docs = [doc('c', 't', Array.from({ length: 12 }, () => msg(long)))];
    const hits = searchDocs(docs, 'needle', 3);
    expect(hits).toHaveLength(3);
    expect(hits[0]!.snippet.startsWith('…')).toBe(true);
    expect(hits[0]!.snippet.endsWith('…')).toBe(true);
    expect(hits[0]!.snippet).toContain('needle');
    expect(hits[0]!.snippet.length).toBeLessThan(320);
    expect(formatHits('zzz', [], 4)).toBe('No matches for "zzz" in 4 chats.');
  });
});
