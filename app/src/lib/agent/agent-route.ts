/**
 * How an open tab reaches a model provider when it answers a chat turn:
 * directly when the page may call the provider (its base URL allowed by the
 * page's connect-src: local servers such as Ollama, the Anthropic API with its
 * opt-in header for browser calls, origins the relay's operator added),
 * through the relay's LLM proxy on the page's own origin for OpenAI (which
 * refuses calls from pages) and Gemini at their public APIs, else not at
 * all, with the reason and what to do.
 */
import type { ProviderKind } from '@tendril/crdt-schema/schema';
import type { ConnectPolicy } from './connect-policy.ts';

export interface RouteTarget {
  readonly kind: ProviderKind;
  readonly baseUrl?: string;
}

export type AgentRoute =
  | { readonly via: 'direct' | 'proxy'; readonly baseUrl: string; readonly headers?: Readonly<Record<string, string>> }
  | { readonly via: 'none'; readonly reason: string };

/** The base URL each kind uses when a provider names none (the adapters' defaults). */
export const DEFAULT_BASE_URL: Record<ProviderKind, string> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  gemini: 'https://generativelanguage.googleapis.com',
  ollama: 'http://127.0.0.1:11434/v1',
};

/** Anthropic answers calls from a web page only when the request says it means to make one. */
export const ANTHROPIC_BROWSER_HEADER = { 'anthropic-dangerous-direct-browser-access': 'true' } as const;

const trim = (url: string): string => url.replace(/\/+$/, '');
const originOf = (url: string): string => {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
};

/**
 * The relay's proxy path for each provider it forwards, as the provider's adapter base URL (the
 * adapter appends its own path: `/chat/completions`, `/v1beta/models/{model}:...`). The proxy
 * forwards to its configured upstream only, so only the public API's base URL goes this way.
 */
const PROXY_PATH: Partial<Record<ProviderKind, string>> = { openai: '/v1/proxy', gemini: '/v1/proxy/gemini' };

export function agentRoute(t: RouteTarget, policy: ConnectPolicy, pageOrigin: string): AgentRoute {
  const base = trim(t.baseUrl ?? DEFAULT_BASE_URL[t.kind]);
  const proxied = PROXY_PATH[t.kind];
  if (proxied !== undefined && base === DEFAULT_BASE_URL[t.kind]) return { via: 'proxy', baseUrl: `${pageOrigin}${proxied}` };
  if (policy.allows(`${base}/`)) return { via: 'direct', baseUrl: base, ...(t.kind === 'anthropic' ? { headers: ANTHROPIC_BROWSER_HEADER } : {}) };
  const fix = `add ${originOf(base)} to TENDRIL_RELAY_CONNECT_SRC on the relay, or run a worker (\`tendril worker\`) to answer with this provider`;
  return { via: 'none', reason: `this tab cannot call the ${t.kind} provider at ${originOf(base)}: the page's content policy (connect-src) does not allow that origin; ${fix}` };
}
