/**
 * The Content-Security-Policy the relay sends with the app's files. The app is a static build, so
 * its one inline script (SvelteKit's bootstrap) is allowed by its SHA-256 hash, taken from the very
 * file being served; no other inline script, no eval, no plugin, no framing, no foreign base URL.
 *
 * `connect-src` is the relay itself ('self' covers its ws:/wss: origin) plus the loopback and
 * `.local` origins on any port: the app sends OpenAI and Anthropic calls through the relay's proxy
 * on its own origin, and calls a provider directly only when its base URL is on this machine or the
 * local network name space (`isLocalUrl` in the app's model routing). A user-configured base URL
 * therefore never needs to be known when the header is written, and injected markup cannot send
 * data to any other host.
 */
import { createHash } from 'node:crypto';

/** Origins the app may call directly for a local model provider (any port). */
export const LOCAL_PROVIDER_SOURCES = [
  'http://localhost:*',
  'https://localhost:*',
  'http://127.0.0.1:*',
  'https://127.0.0.1:*',
  'http://[::1]:*',
  'https://[::1]:*',
  'http://0.0.0.0:*',
  'http://*.local:*',
  'https://*.local:*',
] as const;

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

/** The policy for an app response; `scriptHashes` are the inline scripts that response may run. */
export function contentSecurityPolicy(scriptHashes: readonly string[] = []): string {
  const directives: [string, ...string[]][] = [
    ['default-src', "'self'"],
    ['script-src', "'self'", "'wasm-unsafe-eval'", ...scriptHashes],
    ['worker-src', "'self'"],
    ['connect-src', "'self'", ...LOCAL_PROVIDER_SOURCES],
    ['img-src', "'self'", 'data:', 'blob:'],
    ['font-src', "'self'", 'data:'],
    // Svelte and xterm set style attributes; styles cannot run code, and img/connect stay closed.
    ['style-src', "'self'", "'unsafe-inline'"],
    ['object-src', "'none'"],
    ['base-uri', "'none'"],
    ['form-action', "'self'"],
    ['frame-ancestors', "'none'"],
  ];
  return directives.map((d) => d.join(' ')).join('; ');
}
