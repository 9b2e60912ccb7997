/**
 * Reads the events of one calendar source in a time window, for the
 * `readCalendar` host op: an ICS file (a local file or an https URL) or one
 * CalDAV calendar collection (a calendar-query REPORT with a time range,
 * through tsdav). Events are parsed with ical.js; recurring events are
 * expanded inside the window. What comes back is what a conflict check
 * needs (uid, summary, start, end, location), never descriptions or
 * attendees. The credentials come from the sealed settings and stay here.
 */
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import ICAL from 'ical.js';
import { fetchCalendarObjects, getBasicAuthHeaders } from 'tsdav';
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { AccountCredentials } from '@tendril/crdt-schema/schema';

export interface EventWindow {
  readonly from: number;
  readonly to: number;
}

export interface CalendarItem {
  readonly uid: string;
  readonly summary: string;
  readonly start: number;
  readonly end: number;
  readonly location?: string;
  /** Whole-day events do not double-book anything by themselves. */
  readonly allDay: boolean;
}

export interface CalendarLimits {
  readonly maxEvents: number;
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

export const DEFAULT_CALENDAR_LIMITS: CalendarLimits = { maxEvents: 500, maxBytes: 5_000_000, timeoutMs: 30_000 };
const MAX_OCCURRENCES = 1000;

function item(e: ICAL.Event, start: ICAL.Time, end: ICAL.Time, uid: string): CalendarItem {
  const location = e.location;
  return {
    uid, summary: (e.summary ?? '').slice(0, 300), start: start.toJSDate().getTime(), end: end.toJSDate().getTime(),
    allDay: start.isDate, ...(location ? { location: location.slice(0, 300) } : {}),
  };
}

/** The events of iCalendar texts that overlap the window, by start time. */
export function eventsOf(texts: readonly string[], w: EventWindow, maxEvents: number): CalendarItem[] {
  const out: CalendarItem[] = [];
  for (const text of texts) {
    let root: ICAL.Component;
    try {
      root = new ICAL.Component(ICAL.parse(text));
    } catch (cause) {
      // The parser's message may quote the input; say only what went wrong.
      throw new TendrilError('E_BAD_INPUT', 'the calendar is not valid iCalendar', { cause });
    }
    for (const v of root.getAllSubcomponents('vevent')) {
      const e = new ICAL.Event(v);
      if (e.isRecurrenceException()) continue;
      const uid = e.uid || `${e.summary}@${e.startDate?.toString()}`;
      if (!e.startDate) continue;
      if (e.isRecurring()) {
        const it = e.iterator();
        for (let n = 0, next = it.next(); next && n < MAX_OCCURRENCES; n++, next = it.next()) {
          const o = e.getOccurrenceDetails(next);
          const at = o.startDate.toJSDate().getTime();
          if (at >= w.to) break;
          if (o.endDate.toJSDate().getTime() > w.from) out.push(item(o.item, o.startDate, o.endDate, `${uid}/${o.recurrenceId.toString()}`));
        }
        continue;
      }
      const start = e.startDate.toJSDate().getTime();
      const end = (e.endDate ?? e.startDate).toJSDate().getTime();
      if (start < w.to && Math.max(end, start) > w.from) out.push(item(e, e.startDate, e.endDate ?? e.startDate, uid));
    }
  }
  return out.sort((a, b) => a.start - b.start || a.uid.localeCompare(b.uid)).slice(0, maxEvents);
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

async function icsText(account: AccountCredentials, fetch: typeof globalThis.fetch, limits: CalendarLimits, signal?: AbortSignal): Promise<string> {
  const url = new URL(account.url);
  if (url.protocol === 'file:') {
    const path = fileURLToPath(url);
    // A device, a pipe or a huge file is refused before reading: it would never end, or fill memory.
    const s = await stat(path);
    if (!s.isFile()) throw new TendrilError('E_BAD_INPUT', 'the calendar source is not a regular file');
    if (s.size > limits.maxBytes) throw new TendrilError('E_BAD_INPUT', `the calendar file is larger than ${limits.maxBytes} bytes`);
    return readFile(path, 'utf8');
  }
  const headers: Record<string, string> = account.user ? getBasicAuthHeaders({ username: account.user, password: account.password ?? '' }) : {};
  const res = await fetch(url, { headers, signal: withTimeout(signal, limits.timeoutMs), redirect: 'error' });
  if (!res.ok) throw new Error(`the calendar at ${url.host} answered ${res.status}`);
  return boundedText(res, limits.maxBytes);
}

const withTimeout = (signal: AbortSignal | undefined, ms: number): AbortSignal =>
  signal ? AbortSignal.any([signal, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms);

/** The body as text, refused once it passes `maxBytes` (read no further). */
async function boundedText(res: Response, maxBytes: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  for (let r = await reader?.read(); reader && r && !r.done; r = await reader.read()) {
    size += r.value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new TendrilError('E_BAD_INPUT', `the calendar is larger than ${maxBytes} bytes`);
    }
    chunks.push(r.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The events of an ics or caldav account in the window. */
export async function readCalendarEvents(
  account: AccountCredentials, w: EventWindow, o: { fetch: typeof globalThis.fetch; limits?: CalendarLimits; signal?: AbortSignal },
): Promise<CalendarItem[]> {
  const limits = o.limits ?? DEFAULT_CALENDAR_LIMITS;
  if (!(w.to > w.from)) throw new TendrilError('E_BAD_INPUT', 'the window must end after it starts');
  if (account.kind === 'ics') return eventsOf([await icsText(account, o.fetch, limits, o.signal)], w, limits.maxEvents);
  if (account.kind !== 'caldav') throw new TendrilError('E_BAD_INPUT', `account ${account.name} is not a calendar source`);
  const headers = account.user ? getBasicAuthHeaders({ username: account.user, password: account.password ?? '' }) : {};
  const signal = withTimeout(o.signal, limits.timeoutMs);
  const objects = await fetchCalendarObjects({
    calendar: { url: account.url.endsWith('/') ? account.url : `${account.url}/` },
    timeRange: { start: iso(w.from), end: iso(w.to) },
    headers,
    fetchOptions: { signal, redirect: 'error' },
    fetch: o.fetch,
  });
  const texts = objects.map((x) => (typeof x.data === 'string' ? x.data : '')).filter((t) => t.length > 0);
  if (texts.reduce((n, t) => n + t.length, 0) > limits.maxBytes) throw new TendrilError('E_BAD_INPUT', `the calendar answer is larger than ${limits.maxBytes} bytes`);
  return eventsOf(texts, w, limits.maxEvents);
}
