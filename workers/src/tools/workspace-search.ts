/**
 * Search over the workspace's own chats, folder indexes included: plain term
 * matching with a small score (term counts, all terms present, the exact
 * phrase, a title hit), good for "where did we talk about X" and "which of my
 * notes mention Y" without an embedding model. Replaced and removed index
 * entries are skipped, so a file is found by its current text only.
 */
import type { ChatId, MessageId } from '@tendril/crdt-schema/ids';
import type { ChatMessage } from '@tendril/crdt-schema/schema';
import type { AccessGate, AccessRecord } from '../plugins/access-gate.ts';
import type { ChatAccess } from '../plugins/chat-access.ts';
import { parseIndexEntry } from './folder-index-format.ts';
import type { AgentTool } from './tool.ts';

export interface SearchDoc {
  readonly chat: { readonly id: ChatId; readonly title: string };
  readonly messages: readonly ChatMessage[];
}

export interface SearchHit {
  readonly chatId: ChatId;
  readonly chatTitle: string;
  readonly messageId: MessageId;
  readonly role: ChatMessage['role'];
  readonly createdAt: number;
  /** A message, or a file of a folder index (then `path` is the file's absolute path). */
  readonly kind: 'message' | 'file';
  readonly path?: string;
  readonly score: number;
  readonly snippet: string;
}

export function searchTerms(query: string): string[] {
  const words = [...new Set((query.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []))];
  const long = words.filter((w) => w.length > 1);
  return long.length > 0 ? long : words;
}

function count(text: string, term: string, cap: number): number {
  let n = 0;
  for (let i = text.indexOf(term); i >= 0 && n < cap; i = text.indexOf(term, i + term.length)) n++;
  return n;
}

function snippet(text: string, at: number): string {
  const start = Math.max(0, at - 100);
  const end = Math.min(text.length, at + 200);
  const body = text.slice(start, end).replace(/\s+/g, ' ').trim();
  return `${start > 0 ? '…' : ''}${body}${end < text.length ? '…' : ''}`;
}

export function searchDocs(docs: readonly SearchDoc[], query: string, limit = 8): SearchHit[] {
  const terms = searchTerms(query);
  if (terms.length === 0) return [];
  const phrase = query.toLowerCase().trim().replace(/\s+/g, ' ');
  const hits: SearchHit[] = [];
  for (const doc of docs) {
    const title = doc.chat.title.toLowerCase();
    const titleHits = terms.filter((t) => title.includes(t)).length;
    for (const m of doc.messages) {
      if (m.editedAt !== undefined || m.content.trim() === '') continue;
      const entry = parseIndexEntry(m.content);
      if (entry?.removed) continue;
      const text = entry ? `${entry.file}\n${entry.text}` : m.content;
      const lower = text.toLowerCase();
      const counts = terms.map((t) => count(lower, t, 5));
      const present = counts.filter((c) => c > 0).length;
      if (present === 0) continue;
      const score = counts.reduce((a, b) => a + b, 0) + (present === terms.length ? 3 : 0) + (terms.length > 1 && lower.includes(phrase) ? 3 : 0) + titleHits;
      const first = Math.min(...terms.map((t) => lower.indexOf(t)).filter((i) => i >= 0));
      hits.push({
        chatId: doc.chat.id, chatTitle: doc.chat.title, messageId: m.id, role: m.role, createdAt: m.createdAt,
        kind: entry ? 'file' : 'message', ...(entry ? { path: `${entry.folder.replace(/\/$/, '')}/${entry.file}` } : {}),
        score, snippet: snippet(text, first),
      });
    }
  }
  return hits.sort((a, b) => b.score - a.score || b.createdAt - a.createdAt).slice(0, limit);
}

export function formatHits(query: string, hits: readonly SearchHit[], searched: number): string {
  if (hits.length === 0) return `No matches for "${query}" in ${searched} chats.`;
  const lines = hits.map((h, i) => {
    const where = h.kind === 'file' ? `file ${h.path}` : `chat "${h.chatTitle}" (${h.chatId}), ${h.role} message, ${new Date(h.createdAt).toISOString()}`;
    return `${i + 1}. [${where}]\n   ${h.snippet}`;
  });
  return `${hits.length} matches for "${query}" in ${searched} chats:\n${lines.join('\n')}`;
}

export function searchWorkspaceTool(o: { gate: AccessGate; chats: ChatAccess }): AgentTool {
  return {
    kind: 'read-chats',
    spec: {
      name: 'search_workspace',
      description: "Search this workspace's chats and indexed folders (files kept by the folder indexer) for words or a phrase. Returns the best matching passages and where they are.",
      parameters: {
        type: 'object',
        properties: {
          query: { type: 'string', description: 'Words to look for.' },
          limit: { type: 'integer', minimum: 1, maximum: 20, description: 'How many matches to return (default 8).' },
        },
        required: ['query'],
        additionalProperties: false,
      },
    },
    async run(args) {
      const query = typeof args.query === 'string' ? args.query.slice(0, 500) : '';
      if (searchTerms(query).length === 0) return 'error: the query has no words to search for';
      const limit = typeof args.limit === 'number' ? Math.max(1, Math.min(20, Math.floor(args.limit))) : 8;
      const readable = o.chats.list().map((c) => ({ c, d: o.gate.decide('read-chats', c.id) })).filter((x) => x.d.allowed);
      if (readable.length === 0) o.gate.require('read-chats', '*', `search "${query}"`);
      const docs: SearchDoc[] = [];
      for (const { c } of readable) docs.push({ chat: { id: c.id, title: c.title }, messages: (await o.chats.open(c.id)).transcript() });
      const byAll = readable.filter((x) => x.d.by === '*').length;
      const records: AccessRecord[] = readable
        .filter((x) => x.d.by !== '*')
        .map((x) => ({ kind: 'read-chats', resource: x.c.id, outcome: 'allowed', detail: `search "${query}"` }));
      if (byAll > 0 || records.length === 0) records.unshift({ kind: 'read-chats', resource: '*', outcome: 'allowed', detail: `search "${query}": read ${byAll} chats` });
      o.gate.record(records);
      return formatHits(query, searchDocs(docs, query, limit), docs.length);
    },
  };
}
