/**
 * Static files for the app, from one directory: correct content types, no way
 * out of the directory (dot segments, encoded slashes, NUL bytes and symlinks
 * that lead outside are refused), and a single-page-app fallback: a path
 * without a file extension that matches nothing gets index.html. Every file
 * carries the app's Content-Security-Policy (content-policy.ts); an HTML file's
 * policy allows exactly its own inline scripts by hash.
 */
import { createReadStream } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { contentSecurityPolicy, inlineScriptHashes } from './content-policy.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

export const contentTypeOf = (path: string): string => TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';

export interface StaticFiles {
  /** Serves the request if it names a file (or the SPA fallback applies); false when it did not answer. */
  serve(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

/** `connectSources`: the operator's extra connect-src origins for the app's policy. */
export function createStaticFiles(dir: string, connectSources: readonly string[] = []): StaticFiles {
  const root = resolve(dir);
  let realRoot: string | undefined;

  /** The real path of a regular file inside the root, or undefined. */
  async function fileAt(path: string): Promise<string | undefined> {
    try {
      realRoot ??= await realpath(root);
      let real = await realpath(path);
      if ((await stat(real)).isDirectory()) real = await realpath(join(real, 'index.html'));
      const inside = real === realRoot || real.startsWith(realRoot + sep);
      return inside && (await stat(real)).isFile() ? real : undefined;
    } catch {
      return undefined;
    }
  }

  return {
    async serve(req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      let pathname: string;
      try {
        pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://relay').pathname);
      } catch {
        return false;
      }
      if (pathname.includes('\0') || pathname.includes('\\')) return false;
      const target = resolve(root, `.${pathname}`);
      if (target !== root && !target.startsWith(root + sep)) return false;
      let file = await fileAt(target);
      if (!file && extname(pathname) === '') file = await fileAt(join(root, 'index.html'));
      if (!file) return false;
      const immutable = /[/\\](_app[/\\]immutable|assets)[/\\]/.test(file.slice(root.length));
      const html = extname(file).toLowerCase() === '.html' ? await readFile(file) : undefined;
      const guestPage = file.slice(root.length).startsWith(`${sep}guest${sep}`);
      const headers = {
        'content-type': contentTypeOf(file),
        'content-length': html ? html.length : (await stat(file)).size,
        'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        'x-content-type-options': 'nosniff',
        'content-security-policy': contentSecurityPolicy(html ? inlineScriptHashes(html.toString('utf8')) : [], connectSources, { frameable: guestPage }),
        'referrer-policy': 'no-referrer',
      };
      res.writeHead(200, headers);
      if (req.method === 'HEAD') res.end();
      else if (html) res.end(html);
      else createReadStream(file).pipe(res);
      return true;
    },
  };
}
