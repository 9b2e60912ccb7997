/**
 * The host ops of the mail and calendar plugins: which accounts a plugin may
 * read, reading new mail and calendar events, storing upcoming events and
 * adding tasks to the workspace's Tasks document. They connect with the
 * account's credentials from the sealed settings (the password never
 * crosses into the plugin thread); what the activity log keeps of a read is
 * counts and ids, never text; and a task may cite only an account the
 * plugin may read, linking only ids read in this run, and may not quote the
 * mail it was handed (quote-guard.ts).
 */
import { TendrilError } from '@tendril/crdt-schema/errors';
import { parseAccountName, type AccountCredentials, type TaskPriority, type TasksDoc } from '@tendril/crdt-schema/schema';
import type { AccessGate } from './access-gate.ts';
import { DEFAULT_CALENDAR_LIMITS, readCalendarEvents } from './calendar-reader.ts';
import { DEFAULT_MAIL_LIMITS, readNewMail, type MailCursor } from './mail-reader.ts';
import { badInput, num, str, type Handler } from './host-args.ts';
import type { HostDeps } from './plugin-host.ts';
import type { HostOp } from './plugin-protocol.ts';
import { quoteGuard } from './quote-guard.ts';

type SourceOp = Extract<HostOp, 'accounts' | 'readMail' | 'readCalendar' | 'putEvents' | 'addTask'>;
type SourceDeps = Pick<HostDeps, 'accounts' | 'accountNames' | 'tasks' | 'mailLimits' | 'fetch' | 'device'>;

const DAY = 86_400_000;

function cursorOf(v: unknown): MailCursor | undefined {
  if (v === undefined || v === null) return undefined;
  const r = (typeof v === 'object' ? v : {}) as Record<string, unknown>;
  if (typeof r.uidValidity !== 'string' || !/^\d{1,20}$/.test(r.uidValidity) || typeof r.lastUid !== 'number' || !Number.isSafeInteger(r.lastUid) || r.lastUid < 0) {
    return badInput('since is { uidValidity: digits, lastUid: a whole number }');
  }
  return { uidValidity: r.uidValidity, lastUid: r.lastUid };
}

/** One run's handlers (a run's host is made per run, so the quote guard sees only that run's mail). */
export function createSourceOps(d: SourceDeps, gate: AccessGate): Record<SourceOp, Handler> {
  const plugin = gate.plugin;
  /** The account named by a call, of the kinds the op reads; E_BAD_INPUT when there is none. */
  function account(name: unknown, kinds: readonly AccountCredentials['kind'][]): AccountCredentials {
    const n = parseAccountName(name);
    const a = d.accounts?.(n);
    return a && kinds.includes(a.kind) ? a : badInput(`no ${kinds.join(' or ')} account named ${n} in the workspace settings`);
  }
  /** The mail handed to the plugin in this run: a task may not repeat it (quote-guard.ts). */
  const mailRead = quoteGuard();
  /** What a task may cite: the message ids (per account) and event uids (per source) handed out in this run. */
  const handedOut = new Set<string>();
  const cite = (account: string, ref: string): string => `${account}\u0000${ref}`;
  const tasksDoc = (): Promise<TasksDoc> => (d.tasks ? d.tasks() : Promise.reject(new TendrilError('E_KEY_MISSING', 'this worker cannot open the Tasks document')));


  return {
    async accounts(a) {
      const kind = a.kind === 'read_email' || a.kind === 'read_calendar' ? a.kind : badInput('kind is read_email or read_calendar');
      const kinds: readonly AccountCredentials['kind'][] = kind === 'read_email' ? ['imap'] : ['ics', 'caldav'];
      // Only names the plugin may read now: a grant on '*' is every account of the kind, a denial on one beats it.
      if (gate.granted(kind).length === 0) return [];
      return (d.accountNames?.() ?? []).filter((n) => kinds.includes(d.accounts?.(n)?.kind as never) && gate.decide(kind, n).allowed);
    },
    async readMail(a, signal) {
      const name = parseAccountName(a.account);
      const since = cursorOf(a.since);
      const limits = { ...DEFAULT_MAIL_LIMITS, ...d.mailLimits };
      const wanted = { ...limits, maxMessages: Math.min(num(a.maxMessages, limits.maxMessages), limits.maxMessages), maxChars: Math.min(num(a.maxChars, limits.maxChars), limits.maxChars) };
      return gate.guard('read_email', name, async () => {
        const batch = await readNewMail(account(name, ['imap']), since, wanted, signal);
        for (const m of batch.messages) {
          mailRead.remember(m.text);
          handedOut.add(cite(name, m.messageId));
        }
        return batch;
      },
        (r) => (r.messages.length === 0 ? 'no new messages' : `read ${r.messages.length} new message(s), UID ${r.messages[0]!.uid}..${r.cursor.lastUid}`));
    },
    async readCalendar(a, signal) {
      const name = parseAccountName(a.source);
      const now = Date.now();
      const from = typeof a.from === 'number' ? a.from : now;
      const to = typeof a.to === 'number' ? a.to : from + 14 * DAY;
      if (!(to > from) || to - from > 366 * DAY) badInput('the window (from, to) must end after it starts and span at most a year');
      return gate.guard('read_calendar', name, async () => {
        const events = await readCalendarEvents(account(name, ['ics', 'caldav']), { from, to }, { fetch: d.fetch, limits: DEFAULT_CALENDAR_LIMITS, signal });
        for (const e of events) handedOut.add(cite('calendar', `${name}/${e.uid}`));
        return events;
      },
        (r) => `read ${r.length} event(s) from ${new Date(from).toISOString()} to ${new Date(to).toISOString()}`);
    },
    async putEvents(a) {
      const name = parseAccountName(a.source);
      const raw = Array.isArray(a.events) ? a.events : badInput('events must be a list');
      return gate.guard('read_calendar', name, async () => {
        const doc = await tasksDoc();
        return doc.replaceEvents(name, raw.map((e: unknown) => ({ ...(typeof e === 'object' && e !== null ? e : {}), source: name }) as never));
      }, (n) => `stored ${n} upcoming event(s) in Tasks`);
    },
    async addTask(a) {
      const src = (typeof a.source === 'object' && a.source !== null ? a.source : badInput('a task needs a source { kind, account, ref }')) as Record<string, unknown>;
      const kind = src.kind === 'mail' ? 'read_email' : src.kind === 'calendar' ? 'read_calendar' : badInput('source kind is mail or calendar');
      const name = parseAccountName(src.account);
      const ref = str(src.ref, 'source ref', 2000);
      const title = str(a.title, 'title', 1000);
      const note = a.note === undefined ? undefined : str(a.note, 'note', 10_000);
      return gate.guard(kind, name, async () => {
        if (mailRead.quoted(`${title}\n${note ?? ''}`) !== undefined) badInput('a task may not quote the message it came from: write the title and note in other words');
        // The link is an id the host handed out in this run, never free text (a body could ride in it).
        const cited = src.kind === 'mail' ? [cite(name, ref)] : ref.split(' ').map((t) => cite('calendar', t));
        if (!cited.every((c) => handedOut.has(c))) badInput(`a task's source must cite ${src.kind === 'mail' ? 'a message id' : 'event ids (source/uid)'} read in this run`);
        const doc = await tasksDoc();
        const { task, added } = doc.add({
          title,
          ...(a.priority !== undefined ? { priority: a.priority as TaskPriority } : {}),
          ...(a.due !== undefined && a.due !== null ? { due: a.due as number } : {}),
          ...(note !== undefined ? { note } : {}),
          source: { plugin, kind: src.kind as 'mail' | 'calendar', account: name, ref },
        }, d.device);
        return { id: task.id, added };
      }, (r) => `${r.added ? 'added task' : 'task exists'} ${r.id} from ${src.kind === 'mail' ? 'message' : 'events'} ${ref.slice(0, 300)}`);
    },
  };
}
