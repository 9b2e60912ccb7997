/**
 * Plain HTTP on the relay's port: GET /healthz (JSON `ok` and `store` only:
 * anyone may ask, so it says nothing about users; counts are in /metrics), GET /metrics
 * (Prometheus text; with a metrics token set, only for `Authorization: Bearer TOKEN`, compared in
 * constant time, and 401 otherwise), /sync without an upgrade (426), then any mounted routes
 * (such as an API proxy), and otherwise the app's static files when a
 * directory is configured.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StaticFiles } from './static-files.ts';

/** An extra HTTP handler mounted on the relay's port; resolves true when it answered the request. */
export type HttpRoute = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface HttpRoutesDeps {
  /** Health fields; `ok: false` in them answers 503. Only `ok` and the store's state are shown. */
  health(): Promise<Record<string, unknown>>;
  metrics(): Promise<string>;
  /** When set, /metrics answers only a request carrying `Authorization: Bearer <token>`. */
  metricsToken?: string;
  routes: readonly HttpRoute[];
  staticFiles: StaticFiles | undefined;
  onError(route: string, err: unknown): void;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

const json = (res: ServerResponse, status: number, body: unknown): void =>
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Whether `header` is `Bearer <token>` (digests compared in constant time, so the length leaks nothing either). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '');
  return m !== null && timingSafeEqual(digest(m[1]!), digest(token));
}

export function createHttpHandler(d: HttpRoutesDeps): (req: IncomingMessage, res: ServerResponse) => void {
  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://relay').pathname;
    const read = req.method === 'GET' || req.method === 'HEAD';
    if (path === '/healthz' && read) {
      try {
        const ok = (await d.health()).ok !== false;
        return json(res, ok ? 200 : 503, { ok, store: ok ? 'ok' : 'failing' });
      } catch (err) {
        d.onError('healthz', err);
        return json(res, 503, { ok: false, store: 'failing' });
      }
    }
    if (path === '/metrics' && read) {
      if (d.metricsToken !== undefined && !bearerMatches(req.headers.authorization, d.metricsToken)) {
        res.setHeader('www-authenticate', 'Bearer realm="metrics"');
        return json(res, 401, { error: 'metrics need the operator token' });
      }
      return send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', await d.metrics());
    }
    if (path === '/sync') return json(res, 426, { error: 'WebSocket upgrade required' });
    for (const mounted of d.routes) if (await mounted(req, res)) return;
    if (d.staticFiles && (await d.staticFiles.serve(req, res))) return;
    json(res, 404, { error: 'not found' });
  }
  return (req, res) => {
    route(req, res).catch((err: unknown) => {
      d.onError('http', err);
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  };
}
