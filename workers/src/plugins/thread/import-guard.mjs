// Module resolve hook for plugin threads: plugin code may import its own
// package files and a short list of harmless built-ins, nothing else (no fs,
// net, child processes, workers, module loaders). Defence in depth: the host
// API is the way to the outside, and this makes the easy bypasses fail loudly.
// Plain JavaScript: it runs in the thread's loader without the TypeScript loader.

const ALLOWED_BUILTINS = new Set([
  'assert', 'assert/strict', 'buffer', 'crypto', 'events', 'path', 'path/posix', 'querystring',
  'string_decoder', 'timers', 'timers/promises', 'url', 'util', 'util/types',
]);

let root = '';
let bootstrap = '';

/** @param {{ root: string; bootstrap: string }} data */
export function initialize(data) {
  root = data.root.endsWith('/') ? data.root : `${data.root}/`;
  bootstrap = data.bootstrap;
}

/**
 * @param {string} specifier
 * @param {{ parentURL?: string }} context
 * @param {(s: string, c: unknown) => Promise<{ url: string }>} next
 */
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  const url = resolved.url;
  if (context.parentURL === bootstrap) {
    if (url.startsWith(root) || url.startsWith('node:')) return resolved;
    throw new Error(`plugin entry ${url} is outside its package`);
  }
  if (url.startsWith('node:')) {
    if (ALLOWED_BUILTINS.has(url.slice(5))) return resolved;
    throw new Error(`plugins may not import ${url}: ask the host instead (readFile, fetch, ...)`);
  }
  if (url.startsWith(root)) return resolved;
  throw new Error(`plugins may import only files of their own package, not ${url}`);
}
