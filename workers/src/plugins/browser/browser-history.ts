/**
 * URLs and titles from a browser profile's history and bookmarks, for
 * plugins granted read_browser_history on that profile folder: Chromium
 * family (`History`: the urls table; `Bookmarks`: JSON) and Firefox
 * (`places.sqlite`: moz_places and moz_bookmarks). Read from a copy
 * (profile-copy.ts), never the live file; only http(s) URLs, their titles and
 * the last visit time leave this module: no visit details, form data,
 * cookies or downloads. History is paged by row id (`after`), so a plugin
 * reads only what is new since its last run.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { AccessGate } from '../access-gate.ts';
import { absolutePath } from '../host-fs.ts';
import { copyProfile } from './profile-copy.ts';

export const BROWSER_LIMITS = { defaultPage: 2000, maxPage: 5000, maxUrl: 2048, maxTitle: 300, maxBookmarks: 20_000 } as const;

export type BrowserKind = 'chromium' | 'firefox';

export interface HistoryItem {
  /** The row id in the profile's database: pass the last one as `after` to read on. */
  readonly id: number;
  readonly url: string;
  readonly title: string;
  /** Last visit (ms since the epoch), when the browser recorded one. */
  readonly visitedAt?: number;
}

export interface Bookmark {
  readonly url: string;
  readonly title: string;
}

export interface BrowserHistoryPage {
  readonly browser: BrowserKind;
  readonly history: HistoryItem[];
  /** Only when asked for (`bookmarks: true`). */
  readonly bookmarks?: Bookmark[];
  /** The id to pass as `after` next time. */
  readonly next: number;
  /** No rows after this page. */
  readonly done: boolean;
}

export interface HistoryQuery {
  readonly after?: number;
  readonly limit?: number;
  readonly bookmarks?: boolean;
}

/** Chromium counts microseconds from 1601-01-01. */
const CHROMIUM_EPOCH_OFFSET_MS = 11_644_473_600_000;

const isFile = async (p: string): Promise<boolean> => stat(p).then((s) => s.isFile(), () => false);

export async function detectBrowser(profile: string): Promise<BrowserKind | undefined> {
  if (await isFile(join(profile, 'History'))) return 'chromium';
  if (await isFile(join(profile, 'places.sqlite'))) return 'firefox';
  return undefined;
}

const webUrl = (u: unknown): string | undefined => (typeof u === 'string' && /^https?:\/\//i.test(u) && u.length <= BROWSER_LIMITS.maxUrl ? u : undefined);
const title = (t: unknown): string => (typeof t === 'string' ? t.replace(/\s+/g, ' ').trim().slice(0, BROWSER_LIMITS.maxTitle) : '');

function rows(raw: unknown[], toMs: (t: number) => number | undefined): HistoryItem[] {
  const out: HistoryItem[] = [];
  for (const r of raw as { id: unknown; url: unknown; title: unknown; t: unknown }[]) {
    const url = webUrl(r.url);
    if (typeof r.id !== 'number' || url === undefined) continue;
    const at = typeof r.t === 'number' && r.t > 0 ? toMs(r.t) : undefined;
    out.push({ id: r.id, url, title: title(r.title), ...(at !== undefined && Number.isFinite(at) ? { visitedAt: Math.floor(at) } : {}) });
  }
  return out;
}

function chromiumBookmarks(json: unknown): Bookmark[] {
  const out: Bookmark[] = [];
  const walk = (node: unknown, depth: number): void => {
    if (out.length >= BROWSER_LIMITS.maxBookmarks || depth > 64 || typeof node !== 'object' || node === null) return;
    const n = node as { type?: unknown; url?: unknown; name?: unknown; children?: unknown };
    const url = n.type === 'url' ? webUrl(n.url) : undefined;
    if (url !== undefined) out.push({ url, title: title(n.name) });
    if (Array.isArray(n.children)) for (const c of n.children) walk(c, depth + 1);
  };
  const roots = (json as { roots?: unknown } | null)?.roots;
  if (typeof roots === 'object' && roots !== null) for (const r of Object.values(roots)) walk(r, 0);
  return out;
}

/** Reads one page of a profile's history (and its bookmarks when asked) from a copy. */
export async function readProfileHistory(profile: string, q: HistoryQuery = {}): Promise<BrowserHistoryPage> {
  const browser = await detectBrowser(profile);
  if (!browser) throw new TendrilError('E_BAD_INPUT', `${profile} is not a Chromium or Firefox profile folder (no History or places.sqlite)`);
  const after = Number.isSafeInteger(q.after) && q.after! > 0 ? q.after! : 0;
  const limit = Math.max(1, Math.min(Number.isSafeInteger(q.limit) ? q.limit! : BROWSER_LIMITS.defaultPage, BROWSER_LIMITS.maxPage));
  const copy = await copyProfile(profile);
  try {
    const db = await copy.open(browser === 'chromium' ? 'History' : 'places.sqlite');
    let raw: unknown[];
    let bookmarks: Bookmark[] | undefined;
    try {
      raw = browser === 'chromium'
        ? db.prepare('SELECT id, url, title, last_visit_time AS t FROM urls WHERE id > ? ORDER BY id LIMIT ?').all(after, limit + 1)
        : db.prepare('SELECT id, url, title, last_visit_date AS t FROM moz_places WHERE id > ? AND last_visit_date IS NOT NULL ORDER BY id LIMIT ?').all(after, limit + 1);
      if (q.bookmarks && browser === 'firefox') {
        bookmarks = (db.prepare('SELECT p.url AS url, b.title AS title FROM moz_bookmarks b JOIN moz_places p ON b.fk = p.id WHERE b.type = 1 LIMIT ?')
          .all(BROWSER_LIMITS.maxBookmarks) as { url: unknown; title: unknown }[])
          .flatMap((b) => { const url = webUrl(b.url); return url === undefined ? [] : [{ url, title: title(b.title) }]; });
      }
    } catch (e) {
      throw new TendrilError('E_BAD_INPUT', `the ${browser} history database could not be read: ${(e as Error).message}`);
    }
    if (q.bookmarks && browser === 'chromium') {
      const path = await copy.file('Bookmarks');
      try {
        bookmarks = path ? chromiumBookmarks(JSON.parse(await readFile(path, 'utf8'))) : [];
      } catch (e) {
        throw new TendrilError('E_BAD_INPUT', `the Chromium Bookmarks file could not be read: ${(e as Error).message}`);
      }
    }
    const done = raw.length <= limit;
    const page = raw.slice(0, limit) as { id: unknown }[];
    const last = page.at(-1)?.id;
    const toMs = browser === 'chromium' ? (t: number) => t / 1000 - CHROMIUM_EPOCH_OFFSET_MS : (t: number) => t / 1000;
    return { browser, history: rows(page, toMs), ...(bookmarks ? { bookmarks } : {}), next: typeof last === 'number' ? last : after, done };
  } finally {
    await copy.remove();
  }
}

/** readBrowserHistory for the plugin host: read_browser_history on the profile folder (and its real path). */
export async function readBrowserHistory(gate: AccessGate, args: Readonly<Record<string, unknown>>, realpath: (p: string) => Promise<string>): Promise<BrowserHistoryPage> {
  const profile = absolutePath(args.profile, 'profile');
  const query: HistoryQuery = {
    ...(typeof args.after === 'number' ? { after: args.after } : {}),
    ...(typeof args.limit === 'number' ? { limit: args.limit } : {}),
    bookmarks: args.bookmarks === true,
  };
  return gate.guard('read_browser_history', profile, async () => {
    const real = await realpath(profile);
    if (real !== profile) gate.require('read_browser_history', real, `real path of ${profile}`);
    return readProfileHistory(real, query);
  }, (p) => `${p.browser}: ${p.history.length} history entries${p.bookmarks ? `, ${p.bookmarks.length} bookmarks` : ''} (URLs and titles)`);
}
