/**
 * POST /v1/proxy/fetch: one GET of a public http(s) URL for a member's tab,
 * which cannot fetch other sites itself (CORS and the app's connect-src).
 * The relay follows no redirect: a 3xx goes back to the caller with its
 * Location, so the tab checks the agent's network grant for every hop. The
 * answer is a 200 carrying the upstream's status, content type and location
 * in `x-tendril-upstream-*` headers and its body up to a cap (cut and
 * flagged with `x-tendril-truncated: 1`), text-like types only. Nothing of
 * the caller's goes upstream (no cookie, no credential, no header): a fixed
 * User-Agent and Accept only. Where it may connect is fetch-guard.ts's
 * business, judged at connect time. A caller that goes away, or the
 * deadline, aborts the upstream request.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ErrorCode } from '@tendril/crdt-schema/errors';
import type { Caller } from './caller.ts';
import type { LlmProxyConfig } from './config.ts';
import { BlockedAddressError, checkHost, guardedLookup, type Resolve } from './fetch-guard.ts';
import type { ProxyLogger } from './relay-call.ts';
import type { ProxyErrorOptions } from './respond.ts';
import type { ProxyClock } from './upstream.ts';

export const FETCH_PATH = '/v1/proxy/fetch';
export const UPSTREAM_STATUS_HEADER = 'x-tendril-upstream-status';
export const UPSTREAM_LOCATION_HEADER = 'x-tendril-upstream-location';
export const TRUNCATED_HEADER = 'x-tendril-truncated';
export const FETCH_USER_AGENT = 'TendrilRelayFetch/1';

/** The content types passed on (the workers' fetchText reads the same). */
const TEXTUAL = /^(text\/|application\/(json|xml|xhtml\+xml|javascript|ld\+json|rss\+xml|atom\+xml)|[^;]*\+json|[^;]*\+xml)/i;

export interface WebFetchContext {
  readonly config: LlmProxyConfig;
  readonly clock: ProxyClock;
  readonly log: ProxyLogger;
  readonly resolve: Resolve;
}

export interface WebFetchCall {
  readonly raw: Buffer;
  readonly caller: Caller;
  readonly cors: Record<string, string>;
  readonly fail: (status: number, code: ErrorCode, o?: ProxyErrorOptions) => void;
}

class Refusal extends Error {
  constructor(readonly status: number, readonly code: ErrorCode, message: string) {
    super(message);
  }
}

/** The URL asked for, or a Refusal: http(s), no credentials, ports 80/443 unless private addresses are allowed. */
export function targetOf(raw: Buffer, allowPrivate: boolean): URL {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new Refusal(400, 'E_BAD_INPUT', 'the body must be JSON: {"url": "https://..."}');
  }
  const text = (body as { url?: unknown } | null)?.url;
  if (typeof text !== 'string' || text.length > 4000 || !URL.canParse(text)) throw new Refusal(400, 'E_BAD_INPUT', 'url must be an absolute URL of at most 4000 characters');
  const url = new URL(text);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Refusal(400, 'E_BAD_INPUT', `only http and https URLs are fetched, not ${url.protocol}`);
  if (url.username || url.password) throw new Refusal(400, 'E_BAD_INPUT', 'URLs with credentials are not fetched');
  if (!allowPrivate && url.port !== '' && url.port !== '80' && url.port !== '443') throw new Refusal(403, 'E_PROXY_FETCH_BLOCKED', `port ${url.port} is not fetched (80 and 443 only)`);
  return url;
}

interface Fetched {
  readonly status: number;
  readonly contentType: string;
  readonly location?: string;
  readonly body: Buffer;
  readonly truncated: boolean;
}

function getOnce(url: URL, ctx: WebFetchContext, signal: AbortSignal): Promise<Fetched> {
  const { config } = ctx;
  checkHost(url.hostname, { allowPrivate: config.fetchAllowPrivate });
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<Fetched>((resolve, reject) => {
    const req = request(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        ...(url.port ? { port: Number(url.port) } : {}),
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers: { 'user-agent': FETCH_USER_AGENT, accept: 'text/html, text/plain, application/json;q=0.9, */*;q=0.5', 'accept-encoding': 'identity' },
        lookup: guardedLookup({ resolve: ctx.resolve, allowPrivate: config.fetchAllowPrivate }),
        agent: false,
        signal,
      },
      (res: IncomingMessage) => {
        const status = res.statusCode ?? 502;
        const location = typeof res.headers.location === 'string' ? res.headers.location : undefined;
        const contentType = res.headers['content-type'] ?? 'text/plain';
        if (status >= 300 && status < 400 && location !== undefined) {
          res.destroy();
          const to = URL.canParse(location, url) ? new URL(location, url).href : location;
          resolve({ status, contentType, location: to, body: Buffer.alloc(0), truncated: false });
          return;
        }
        if (!TEXTUAL.test(contentType)) {
          res.destroy();
          reject(new Refusal(415, 'E_PROXY_FETCH_TYPE', `${url.host} answered ${contentType.split(';')[0]}, not text; only text, HTML, JSON and XML are fetched`));
          return;
        }
        const encoding = res.headers['content-encoding'];
        if (encoding !== undefined && encoding !== 'identity') {
          res.destroy();
          reject(new Refusal(502, 'E_PROVIDER_UNAVAILABLE', `${url.host} answered with content-encoding ${encoding}, which is not passed on`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        const finish = (): void => resolve({ status, contentType, body: Buffer.concat(chunks), truncated });
        res.on('data', (chunk: Buffer) => {
          const room = config.fetchMaxBytes - size;
          if (chunk.length > room) {
            chunks.push(chunk.subarray(0, room));
            size += room;
            truncated = true;
            res.destroy();
            finish();
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', finish);
        res.on('error', (e) => {
          if (!truncated) reject(e);
        });
        // Aborted mid-body (deadline, caller gone, upstream reset): not every cut surfaces as 'error'.
        res.on('close', () => {
          if (!res.complete && !truncated) reject(new Error('the upstream connection closed mid-body'));
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export async function relayWebFetch(ctx: WebFetchContext, req: IncomingMessage, res: ServerResponse, call: WebFetchCall): Promise<void> {
  const { config, clock, log } = ctx;
  const abort = new AbortController();
  let timedOut = false;
  const timer = clock.setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, config.fetchTimeoutMs);
  const onGone = (): void => {
    if (!res.writableFinished) abort.abort();
  };
  res.once('close', onGone);
  let host = '';
  try {
    const url = targetOf(call.raw, config.fetchAllowPrivate);
    host = url.host;
    const got = await getOnce(url, ctx, abort.signal);
    log.info('proxy.fetch', { workspace: call.caller.workspace, device: call.caller.device, host, status: got.status, bytes: got.body.length, truncated: got.truncated });
    res.writeHead(200, {
      ...call.cors,
      'content-type': got.contentType,
      'content-length': got.body.length,
      'cache-control': 'no-store',
      [UPSTREAM_STATUS_HEADER]: String(got.status),
      ...(got.location !== undefined && { [UPSTREAM_LOCATION_HEADER]: got.location }),
      ...(got.truncated && { [TRUNCATED_HEADER]: '1' }),
    });
    res.end(got.body);
  } catch (e) {
    if (res.destroyed) return;
    if (e instanceof Refusal) return call.fail(e.status, e.code, { message: e.message });
    if (e instanceof BlockedAddressError) return call.fail(403, 'E_PROXY_FETCH_BLOCKED', { message: `not fetched: ${e.message}` });
    if (timedOut) return call.fail(504, 'E_TIMEOUT', { message: `fetching from ${host} took longer than ${config.fetchTimeoutMs} ms` });
    const code = (e as NodeJS.ErrnoException).code;
    call.fail(502, 'E_PROVIDER_UNAVAILABLE', { message: `could not fetch from ${host}${code ? ` (${code})` : ''}` });
  } finally {
    clock.clearTimeout(timer);
    res.off('close', onGone);
  }
}
