/**
 * The proxy's way to a provider: node:http / node:https with keep-alive
 * connection pools. Not the global fetch: in bench/proxy-overhead.ts fetch
 * (undici plus its web streams) took about 45% of the relay's CPU per proxied
 * request, the largest single share; node's own client does the same work
 * with a fraction of the allocations. Aborting the signal destroys the
 * request, before or after the response headers.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** The response headers, read the way a fetch `Headers` is (lower-case names). */
export interface UpstreamHeaders {
  get(name: string): string | null;
  forEach(fn: (value: string, name: string) => void): void;
}

export interface UpstreamResponse {
  readonly status: number;
  readonly headers: UpstreamHeaders;
  /** The body chunks as they arrive; throws when the connection breaks or the signal aborts. */
  readonly body: AsyncIterable<Uint8Array>;
}

export interface UpstreamRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  readonly signal: AbortSignal;
}

/** Sends one request; resolves at the response headers, rejects when none come (refused, reset, aborted). */
export type UpstreamTransport = (req: UpstreamRequest) => Promise<UpstreamResponse>;

const valueOf = (v: string | string[] | undefined): string | null => (v === undefined ? null : Array.isArray(v) ? v.join(', ') : v);

function headersOf(h: IncomingHttpHeaders): UpstreamHeaders {
  return {
    get: (name) => valueOf(h[name.toLowerCase()]),
    forEach(fn) {
      for (const [name, v] of Object.entries(h)) {
        const value = valueOf(v);
        if (value !== null) fn(value, name);
      }
    },
  };
}

export interface HttpTransportOptions {
  /** Idle pooled connections kept per upstream host (default 256). */
  readonly maxFreeSockets?: number;
}

export function createHttpTransport(o: HttpTransportOptions = {}): UpstreamTransport {
  const pool = { keepAlive: true, maxFreeSockets: o.maxFreeSockets ?? 256, scheduling: 'lifo' as const };
  const http = new HttpAgent(pool);
  const https = new HttpsAgent(pool);
  return (r) =>
    new Promise<UpstreamResponse>((resolve, reject) => {
      const url = new URL(r.url);
      const secure = url.protocol === 'https:';
      if (!secure && url.protocol !== 'http:') return reject(new Error(`unsupported upstream protocol ${url.protocol}`));
      if (r.signal.aborted) return reject(r.signal.reason);
      const headers: Record<string, string> = { ...r.headers };
      if (r.body) headers['content-length'] = String(r.body.byteLength);
      const req = (secure ? httpsRequest : httpRequest)(url, { method: r.method, headers, agent: secure ? https : http });
      const abort = (): void => void req.destroy(r.signal.reason instanceof Error ? r.signal.reason : new Error('aborted'));
      r.signal.addEventListener('abort', abort, { once: true });
      // `on`, not `once`: a second error (a reset after an abort) must not go unhandled.
      req.on('error', (err) => {
        r.signal.removeEventListener('abort', abort);
        reject(err);
      });
      req.once('response', (res: IncomingMessage) => {
        res.once('close', () => r.signal.removeEventListener('abort', abort));
        resolve({ status: res.statusCode ?? 502, headers: headersOf(res.headers), body: res });
      });
      req.end(r.body ? Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength) : undefined);
    });
}
