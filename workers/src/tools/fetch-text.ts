/**
 * Fetching a URL as text within limits: http(s) only, every redirect hop
 * checked by the caller's `allow` (so a redirect cannot leave the granted
 * hosts), a deadline on injected timers, a byte cap on the body (the rest is
 * never read), text-like content types only, HTML reduced to text.
 */
import { TendrilError } from '@tendril/crdt-schema/errors';
import { systemTimers, type Timers } from '../llm/deps.ts';
import { htmlTitle, htmlToText } from './html-text.ts';

export interface FetchLimits {
  /** Body bytes read at most (default 1 MB). */
  readonly maxBytes: number;
  /** Deadline for the whole fetch, redirects included (default 15 s). */
  readonly timeoutMs: number;
  readonly maxRedirects: number;
  /** Characters of text returned at most (default 20 000). */
  readonly maxChars: number;
}

export const DEFAULT_FETCH_LIMITS: FetchLimits = { maxBytes: 1_000_000, timeoutMs: 15_000, maxRedirects: 5, maxChars: 20_000 };

export interface FetchTextOptions {
  readonly fetch: typeof globalThis.fetch;
  /** Called for the URL and every redirect target before it is requested; throw or return false to refuse. */
  readonly allow: (url: URL) => void | Promise<void>;
  readonly limits?: Partial<FetchLimits>;
  readonly signal?: AbortSignal;
  readonly timers?: Timers;
}

export interface FetchedText {
  /** The final URL after redirects. */
  readonly url: string;
  readonly status: number;
  readonly contentType: string;
  readonly title?: string;
  readonly text: string;
  /** True when the body or the text was cut at a limit. */
  readonly truncated: boolean;
  readonly bytes: number;
}

const TEXTUAL = /^(text\/|application\/(json|xml|xhtml\+xml|javascript|ld\+json|rss\+xml|atom\+xml)|[^;]*\+json|[^;]*\+xml)/i;

export function parseHttpUrl(raw: unknown): URL {
  if (typeof raw !== 'string' || raw.length > 4000) throw new TendrilError('E_BAD_INPUT', 'url must be a string of at most 4000 characters');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TendrilError('E_BAD_INPUT', `not a URL: ${raw.slice(0, 100)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TendrilError('E_BAD_INPUT', `only http and https URLs can be fetched, not ${url.protocol}`);
  if (url.username || url.password) throw new TendrilError('E_BAD_INPUT', 'URLs with credentials are not fetched');
  return url;
}

async function readCapped(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  if (!body) return { bytes: new Uint8Array(0), truncated: false };
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = maxBytes - size;
    if (value.length >= room) {
      parts.push(value.subarray(0, room));
      size += room;
      truncated = value.length > room;
      if (!truncated) continue;
      await reader.cancel().catch(() => {});
      break;
    }
    parts.push(value);
    size += value.length;
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return { bytes, truncated };
}

function decode(bytes: Uint8Array, contentType: string): string {
  const charset = /charset=["']?([\w-]+)/i.exec(contentType)?.[1] ?? 'utf-8';
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

export async function fetchText(raw: string, o: FetchTextOptions): Promise<FetchedText> {
  const limits = { ...DEFAULT_FETCH_LIMITS, ...o.limits };
  const timers = o.timers ?? systemTimers;
  const abort = new AbortController();
  const onAbort = (): void => abort.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (o.signal?.aborted) abort.abort();
  let timedOut = false;
  const timer = timers.setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, limits.timeoutMs);
  try {
    let url = parseHttpUrl(raw);
    for (let hop = 0; ; hop++) {
      await o.allow(url);
      const res = await o.fetch(url, { redirect: 'manual', signal: abort.signal, headers: { accept: 'text/html, text/plain, application/json;q=0.9, */*;q=0.5' } });
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel().catch(() => {});
        if (hop >= limits.maxRedirects) throw new TendrilError('E_BAD_INPUT', `more than ${limits.maxRedirects} redirects`);
        url = parseHttpUrl(new URL(location, url).href);
        continue;
      }
      const contentType = res.headers.get('content-type') ?? 'text/plain';
      if (!TEXTUAL.test(contentType)) {
        await res.body?.cancel().catch(() => {});
        throw new TendrilError('E_BAD_INPUT', `${url.href} is ${contentType.split(';')[0]}, not text`);
      }
      const { bytes, truncated } = await readCapped(res.body, limits.maxBytes);
      const body = decode(bytes, contentType);
      const html = /html/i.test(contentType);
      const full = html ? htmlToText(body) : body;
      const title = html ? htmlTitle(body) : undefined;
      const text = full.length > limits.maxChars ? full.slice(0, limits.maxChars) : full;
      return { url: url.href, status: res.status, contentType, ...(title ? { title } : {}), text, truncated: truncated || text.length < full.length, bytes: bytes.length };
    }
  } catch (e) {
    if (timedOut) throw new TendrilError('E_TIMEOUT', `fetching ${raw.slice(0, 200)} took longer than ${limits.timeoutMs} ms`, { cause: e });
    throw e;
  } finally {
    timers.clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
  }
}
