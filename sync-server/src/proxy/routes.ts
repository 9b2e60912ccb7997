/**
 * Which proxy paths exist and where each goes upstream: an allow-list, never
 * open forwarding. Fixed paths come from a table; Gemini's paths name a model
 * and a method (`/v1/proxy/gemini/v1beta/models/{model}:{method}`), so they
 * match a pattern with a strict model charset and four methods only. The
 * upstream path is rebuilt from the parts matched, and the query carries only
 * what the route allows (`alt=sse` on Gemini streaming, paging on model
 * lists): a caller cannot add a `key=` or reach another upstream path.
 */
import type { ProxyProvider } from './config.ts';

/** What a route does: a chat turn (counted, may stream), embeddings (counted), or a model list (cached). */
export type RouteKind = 'chat' | 'embeddings' | 'models';

export interface Route {
  readonly provider: ProxyProvider;
  readonly kind: RouteKind;
  readonly method: 'POST' | 'GET';
  /** The path with its variable parts named (`.../models/{model}:generateContent`): what logs and metrics carry, never the raw URL. */
  readonly template: string;
  /** Appended to the provider's upstream base URL, with the query to forward if any. */
  readonly upstreamPath: string;
  /** The model the path names (Gemini); otherwise it comes from the body. */
  readonly model?: string;
  /** Whether the answer streams, when the path says so (Gemini) rather than the body's `stream`. */
  readonly streaming?: boolean;
}

/** A path the proxy owns but does not forward: answered with this status, never sent upstream. */
export interface RouteRefusal {
  readonly provider: ProxyProvider;
  readonly refused: 400 | 404;
  readonly message: string;
  readonly template: string;
}

interface FixedRoute extends Omit<Route, 'template'> {
  /** Query parameters forwarded upstream; any other is refused. Undefined: the query is dropped. */
  readonly query?: readonly string[];
}

export const GEMINI_PREFIX = '/v1/proxy/gemini/';

export const ROUTES: Readonly<Record<string, FixedRoute>> = {
  '/v1/proxy/chat/completions': { provider: 'openai', kind: 'chat', method: 'POST', upstreamPath: '/chat/completions' },
  '/v1/proxy/embeddings': { provider: 'openai', kind: 'embeddings', method: 'POST', upstreamPath: '/embeddings', query: [] },
  '/v1/proxy/models': { provider: 'openai', kind: 'models', method: 'GET', upstreamPath: '/models', query: [] },
  '/v1/proxy/messages': { provider: 'anthropic', kind: 'chat', method: 'POST', upstreamPath: '/v1/messages' },
  '/v1/proxy/anthropic/models': { provider: 'anthropic', kind: 'models', method: 'GET', upstreamPath: '/v1/models', query: ['limit', 'after_id', 'before_id'] },
  '/v1/proxy/gemini/v1beta/models': { provider: 'gemini', kind: 'models', method: 'GET', upstreamPath: '/v1beta/models', query: ['pageSize', 'pageToken'] },
};

/** Model names as Gemini spells them (`gemini-2.5-flash`, `text-embedding-004`): nothing that could change the path. */
const GEMINI_CALL = /^\/v1\/proxy\/gemini\/v1beta\/models\/([A-Za-z0-9][A-Za-z0-9._-]{0,99}):(generateContent|streamGenerateContent|embedContent|batchEmbedContents)$/;
/** Paging values (a count, an opaque token, a model id). */
const QUERY_VALUE = /^[A-Za-z0-9._~-]{1,512}$/;

/** The allowed query parameters of `url`, in a fixed order, or a refusal naming the first one that is not. */
function forwardQuery(url: URL, provider: ProxyProvider, allowed: readonly string[]): string | Omit<RouteRefusal, 'template'> {
  const out = new URLSearchParams();
  for (const [name, value] of url.searchParams) {
    if (!allowed.includes(name) || !QUERY_VALUE.test(value) || out.has(name)) return { provider, refused: 400 as const, message: `the query parameter ${JSON.stringify(name)} is not forwarded on this route` };
    out.set(name, value);
  }
  out.sort();
  const text = out.toString();
  return text === '' ? '' : `?${text}`;
}

function geminiCall(url: URL): Route | RouteRefusal {
  const m = GEMINI_CALL.exec(url.pathname);
  if (!m) return { provider: 'gemini', refused: 404, template: `${GEMINI_PREFIX}*`, message: 'not a Gemini route the proxy forwards: POST /v1/proxy/gemini/v1beta/models/{model}:generateContent, :streamGenerateContent?alt=sse, :embedContent or :batchEmbedContents, or GET /v1/proxy/gemini/v1beta/models' };
  const [, model, method] = m as unknown as [string, string, string];
  const streaming = method === 'streamGenerateContent';
  const template = `${GEMINI_PREFIX}v1beta/models/{model}:${method}`;
  const want = streaming ? 'alt=sse' : '';
  if (url.search.replace(/^\?/, '') !== want) {
    return { provider: 'gemini', refused: 400, template, message: streaming ? 'streamGenerateContent is forwarded with ?alt=sse and no other query' : `${method} is forwarded without a query (the key goes in x-goog-api-key)` };
  }
  const kind = method === 'embedContent' || method === 'batchEmbedContents' ? 'embeddings' : 'chat';
  return { provider: 'gemini', kind, method: 'POST', template, upstreamPath: `/v1beta/models/${model}:${method}${streaming ? '?alt=sse' : ''}`, model, streaming };
}

/** The route for a request URL; undefined for paths the proxy does not own. */
export function matchRoute(url: URL): Route | RouteRefusal | undefined {
  const fixed = ROUTES[url.pathname];
  if (fixed) {
    const { query, ...fields } = fixed;
    const route: Route = { ...fields, template: url.pathname };
    if (query === undefined) return route;
    const q = forwardQuery(url, route.provider, query);
    return typeof q === 'string' ? { ...route, upstreamPath: route.upstreamPath + q } : { ...q, template: url.pathname };
  }
  if (url.pathname.startsWith(GEMINI_PREFIX)) return geminiCall(url);
  return undefined;
}

export const isRefusal = (r: Route | RouteRefusal): r is RouteRefusal => 'refused' in r;
