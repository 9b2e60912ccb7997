/**
 * The Content-Security-Policy the relay sends with the app's files. The app is a static build, so
 * its one inline script (SvelteKit's bootstrap) is allowed by its SHA-256 hash, taken from the very
 * file being served; no other inline script, no eval, no plugin, no framing (but for the guest page),
 * no foreign base URL.
 *
 * `connect-src` is the relay itself ('self' covers its ws:/wss: origin), the loopback and `.local`
 * origins on any port, the Anthropic API (which accepts calls from a page that asks for it), and
 * the origins the operator adds (TENDRIL_RELAY_CONNECT_SRC). The app reads this header to decide how
 * an open tab calls a model provider: directly when connect-src allows the provider's base URL,
 * else through the relay's proxy on its own origin (OpenAI), else not at all (a worker must answer).
 * Injected markup cannot send data to any other host.
 */
import { createHash } from 'node:crypto';

/** Origins the app may call directly for a local model provider (any port). */
export const LOCAL_PROVIDER_SOURCES = [
  'http://localhost:*',
  'https://localhost:*',
  'http://127.0.0.1:*',
  'https://127.0.0.1:*',
  'http://0.0.0.0:*',
  'http://*.local:*',
  'https://*.local:*',
] as const;

/** Remote provider APIs a page may call directly (they answer cross-origin requests). */
export const REMOTE_PROVIDER_SOURCES = ['https://api.anthropic.com'] as const;

const ORIGIN_SOURCE = /^https?:\/\/(\*\.)?[a-z0-9.-]+(:(\d{1,5}|\*))?$|^https?:\/\/\[[0-9a-f:]+\](:(\d{1,5}|\*))?$/i;

/**
 * The operator's extra connect-src origins (TENDRIL_RELAY_CONNECT_SRC, comma-separated): each an
 * http(s) origin, optionally with a `*.` host wildcard or a `*` port, and nothing else (no path,
 * no keyword, no quote, so a value cannot widen the policy beyond the origins it names).
 */
export function parseConnectSources(text: string | undefined): string[] {
  if (text === undefined) return [];
  const sources = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const s of sources) if (!ORIGIN_SOURCE.test(s)) throw new Error(`TENDRIL_RELAY_CONNECT_SRC: not an http(s) origin: ${JSON.stringify(s)}`);
  return sources.map((s) => s.toLowerCase());
}

const INLINE_SCRIPT = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi;

/** The `'sha256-…'` sources of the inline scripts (those without `src`) in an HTML document. */
export function inlineScriptHashes(html: string): string[] {
  const hashes: string[] = [];
  for (const m of html.matchAll(INLINE_SCRIPT)) {
    if (/\bsrc\s*=/i.test(m[1] ?? '')) continue;
    hashes.push(`'sha256-${createHash('sha256').update(m[2] ?? '', 'utf8').digest('base64')}'`);
  }
  return hashes;
}

/**
 * The policy for an app response; `scriptHashes` are the inline scripts that response may run,
 * `connectSources` the operator's extra origins (already checked by parseConnectSources).
 */
export function contentSecurityPolicy(scriptHashes: readonly string[] = [], connectSources: readonly string[] = [], opts: { frameable?: boolean } = {}): string {
  const directives: [string, ...string[]][] = [
    ['default-src', "'self'"],
    ['script-src', "'self'", "'wasm-unsafe-eval'", ...scriptHashes],
    ['worker-src', "'self'"],
    ['connect-src', "'self'", ...LOCAL_PROVIDER_SOURCES, ...REMOTE_PROVIDER_SOURCES, ...connectSources],
    ['img-src', "'self'", 'data:', 'blob:'],
    ['font-src', "'self'", 'data:'],
    // Svelte and xterm set style attributes; styles cannot run code, and img/connect stay closed.
    ['style-src', "'self'", "'unsafe-inline'"],
    ['object-src', "'none'"],
    ['base-uri', "'none'"],
    ['form-action', "'self'"],
    // The guest page (app/guest, served under /guest/) may be embedded in any site: the owner's
    // snippet is an iframe of it. It holds nothing of the workspace; every other page may not be framed.
    ['frame-ancestors', opts.frameable ? '*' : "'none'"],
  ];
  return directives.map((d) => d.join(' ')).join('; ');
}
