/**
 * Reads the messages of one IMAP mailbox that are new since a cursor
 * (UIDVALIDITY and the last UID seen), for the `readMail` host op. The
 * mailbox is opened read-only: reading marks nothing as seen. Only the
 * first text part of each message is downloaded, capped, and decoded by
 * the IMAP client; attachments are never fetched. A cursor of another
 * UIDVALIDITY (the server renumbered the mailbox) reads as no cursor, and
 * without one only the newest messages are read, so a first run over a big
 * mailbox stays small. The credentials come from the sealed settings and
 * stay in this process.
 */
import { ImapFlow, type MessageStructureObject } from 'imapflow';
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { AccountCredentials } from '@tendril/crdt-schema/schema';

export interface MailCursor {
  /** The mailbox's UIDVALIDITY, as decimal text (it is a 32-bit unsigned number; IMAP clients give a bigint). */
  readonly uidValidity: string;
  readonly lastUid: number;
}

export interface MailMessage {
  readonly uid: number;
  /** The Message-ID header, or `uid:<validity>:<uid>` when the message has none. */
  readonly messageId: string;
  readonly subject: string;
  readonly from: string;
  /** The Date header (ms), else the server's arrival time. */
  readonly date: number;
  /** The first text part, at most `maxChars` characters. */
  readonly text: string;
  readonly truncated: boolean;
}

export interface MailBatch {
  readonly cursor: MailCursor;
  readonly messages: MailMessage[];
  /** More new messages wait beyond this batch: call again with the returned cursor. */
  readonly more: boolean;
}

export interface MailLimits {
  readonly maxMessages: number;
  readonly maxChars: number;
  readonly timeoutMs: number;
}

export const DEFAULT_MAIL_LIMITS: MailLimits = { maxMessages: 20, maxChars: 20_000, timeoutMs: 30_000 };

/** The first text/plain part (else the first text/html one) of a body structure. */
export function textPart(node: MessageStructureObject | undefined): { part: string; html: boolean } | undefined {
  const all: { part: string; type: string }[] = [];
  const walk = (n: MessageStructureObject, root: boolean): void => {
    if (n.childNodes?.length) return n.childNodes.forEach((c) => walk(c, false));
    if (n.disposition === 'attachment') return;
    all.push({ part: n.part ?? (root ? '1' : ''), type: n.type.toLowerCase() });
  };
  if (node) walk(node, true);
  const plain = all.find((p) => p.type === 'text/plain' && p.part);
  const html = all.find((p) => p.type === 'text/html' && p.part);
  return plain ? { part: plain.part, html: false } : html ? { part: html.part, html: true } : undefined;
}

const stripHtml = (html: string): string =>
  html.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' ').replace(/&nbsp;/g, ' ').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/\s+/g, ' ').trim();

async function readStream(content: NodeJS.ReadableStream, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of content as AsyncIterable<Buffer | string>) {
    const b = typeof c === 'string' ? Buffer.from(c) : c;
    chunks.push(b);
    size += b.length;
    if (size >= maxBytes) break;
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}

function connection(account: AccountCredentials, timeoutMs: number): ImapFlow {
  if (account.kind !== 'imap') throw new TendrilError('E_BAD_INPUT', `account ${account.name} is not a mail account`);
  const url = new URL(account.url);
  const secure = url.protocol === 'imaps:';
  return new ImapFlow({
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 993 : 143,
    secure,
    auth: { user: account.user ?? '', pass: account.password ?? '' },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
}

/** Reads up to `maxMessages` messages newer than `since`, oldest first. */
export async function readNewMail(account: AccountCredentials, since: MailCursor | undefined, limits: MailLimits, signal?: AbortSignal): Promise<MailBatch> {
  const client = connection(account, limits.timeoutMs);
  client.on('error', () => {}); // A dropped socket fails the pending command; the event alone must not crash the worker.
  const onAbort = (): void => client.close();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    try {
      await client.connect();
    } catch (cause) {
      throw new Error(`could not sign in to mail account ${account.name}: ${(cause as Error).message}`, { cause });
    }
    const box = await client.mailboxOpen(account.mailbox ?? 'INBOX', { readOnly: true });
    const uidValidity = String(box.uidValidity);
    const fresh = since === undefined || since.uidValidity !== uidValidity;
    const after = fresh ? 0 : since.lastUid;
    const uids = box.exists === 0 ? [] : ((await client.search({ uid: `${after + 1}:*` }, { uid: true })) || []).filter((u) => u > after).sort((a, b) => a - b);
    // Without a cursor, only the newest batch: a first run over years of mail reads what is recent.
    const wanted = fresh ? uids.slice(-limits.maxMessages) : uids.slice(0, limits.maxMessages);
    const messages: MailMessage[] = [];
    if (wanted.length > 0) {
      const heads = await client.fetchAll(wanted.join(','), { uid: true, envelope: true, bodyStructure: true, internalDate: true }, { uid: true });
      heads.sort((a, b) => a.uid - b.uid);
      for (const m of heads) {
        const part = textPart(m.bodyStructure);
        let text = '';
        if (part) {
          const d = await client.download(String(m.uid), part.part, { uid: true, maxBytes: limits.maxChars * 4 });
          if (d.content) text = await readStream(d.content, limits.maxChars * 4);
          if (part.html) text = stripHtml(text);
        }
        const env = m.envelope;
        const from = env?.from?.[0];
        const date = env?.date ? new Date(env.date).getTime() : m.internalDate ? new Date(m.internalDate).getTime() : 0;
        messages.push({
          uid: m.uid,
          messageId: env?.messageId || `uid:${uidValidity}:${m.uid}`,
          subject: (env?.subject ?? '').slice(0, 1000),
          from: from ? (from.name ? `${from.name} <${from.address ?? ''}>` : from.address ?? '') : '',
          date: Number.isFinite(date) ? date : 0,
          text: text.slice(0, limits.maxChars),
          truncated: text.length > limits.maxChars,
        });
      }
    }
    const lastUid = wanted.length > 0 ? wanted.at(-1)! : after;
    return { cursor: { uidValidity, lastUid }, messages, more: uids.length > wanted.length && !fresh };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await client.logout().catch(() => client.close());
  }
}
