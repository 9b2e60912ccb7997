/**
 * A chat as a file to keep or share: Markdown for people (a heading per
 * message, who wrote it and when, the text as written) or JSON for programs
 * (the messages with their authors, models, tokens and cost). Attachments are
 * listed by name, type and size (their bytes stay sealed at the relay). Both hold the
 * branch the chat shows: one version of each message, as it reads on screen.
 * Used by `tendril chat export` and the app's Export button; plain data in,
 * text out, so both print the same file.
 */
import type { ChatId, DeviceId } from '@tendril/crdt-schema/ids';
import type { ChatMessage } from '@tendril/crdt-schema/schema';

export const EXPORT_FORMATS = ['md', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ChatExport {
  readonly id: ChatId;
  readonly title: string;
  /** The messages of the branch shown, in order. */
  readonly messages: readonly ChatMessage[];
  /** A member's name for a device id (the writer of a user message); default the id. */
  readonly nameOf?: (device: DeviceId) => string;
  /** When the export was made (ms since the epoch). */
  readonly at: number;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function who(m: ChatMessage, nameOf: (d: DeviceId) => string): string {
  if (m.role === 'user') return nameOf(m.author);
  if (m.role === 'assistant') return [m.agent?.name ?? 'Assistant', m.model].filter(Boolean).join(', ');
  return m.role;
}

/** The chat as Markdown: a title, then one second-level heading per message. */
export function chatToMarkdown(c: ChatExport): string {
  const nameOf = c.nameOf ?? ((d: DeviceId) => d);
  const out = [`# ${c.title.replace(/\n/g, ' ')}`, '', `Exported from Tendril on ${iso(c.at)} (chat ${c.id}, ${c.messages.length} messages).`];
  for (const m of c.messages) {
    const status = m.status === 'error' ? ` (failed${m.error ? `: ${m.error.split('\n')[0]}` : ''})` : m.status === 'stopped' ? ' (stopped)' : '';
    out.push('', `## ${who(m, nameOf)} · ${iso(m.createdAt)}${status}`, '', m.content.trimEnd() || '_(empty)_');
    if (m.attachments?.length) out.push('', `Attached: ${m.attachments.map((a) => `${a.name} (${a.mime}, ${a.size} bytes)`).join(', ')}`);
  }
  return `${out.join('\n')}\n`;
}

/** The chat as JSON: `{ format, version, chat, exportedAt, messages }`. */
export function chatToJson(c: ChatExport): string {
  const nameOf = c.nameOf ?? ((d: DeviceId) => d);
  return JSON.stringify({
    format: 'tendril-chat',
    version: 1,
    chat: { id: c.id, title: c.title },
    exportedAt: iso(c.at),
    messages: c.messages.map((m) => ({
      id: m.id, role: m.role, author: m.author, ...(m.role === 'user' ? { authorName: nameOf(m.author) } : {}),
      ...(m.agent ? { agent: m.agent.name } : {}), ...(m.model ? { model: m.model } : {}),
      createdAt: iso(m.createdAt), status: m.status, ...(m.error ? { error: m.error } : {}), content: m.content,
      ...(m.attachments?.length ? { attachments: m.attachments.map((a) => ({ name: a.name, mime: a.mime, size: a.size })) } : {}),
      ...(m.usage ? { usage: { inputTokens: m.usage.inputTokens, outputTokens: m.usage.outputTokens, costUsd: m.usage.costUsd } } : {}),
    })),
  }, null, 2);
}

export function exportChat(c: ChatExport, format: ExportFormat): string {
  return format === 'md' ? chatToMarkdown(c) : `${chatToJson(c)}\n`;
}

/** A file name for the export: the title's letters and digits, then the format. */
export function exportFileName(title: string, format: ExportFormat): string {
  const base = title.normalize('NFKD').replace(/[^\w-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'chat';
  return `${base}.${format}`;
}
