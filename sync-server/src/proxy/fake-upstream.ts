/**
 * A scripted model provider for the proxy tests (the relay may not import the
 * shared test kit's fake provider). Each request is recorded with its raw
 * body, and `closed` tells whether the answer completed or the proxy cut it.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface UpstreamRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** 'completed' when the reply ended, 'aborted' when the connection closed first. */
  readonly closed: Promise<'completed' | 'aborted'>;
}

export type Reply = (req: UpstreamRequest, res: ServerResponse) => void | Promise<void>;

export interface FakeUpstream {
  readonly url: string;
  readonly requests: UpstreamRequest[];
  close(): Promise<void>;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startFakeUpstream(reply: Reply): Promise<FakeUpstream> {
  const requests: UpstreamRequest[] = [];
  const server = createServer((req, res) => {
    const closed = new Promise<'completed' | 'aborted'>((resolve) => res.once('close', () => resolve(res.writableFinished ? 'completed' : 'aborted')));
    void readAll(req).then(async (body) => {
      const r: UpstreamRequest = { path: req.url ?? '/', headers: req.headers, body, closed };
      requests.push(r);
      await reply(r, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Writes `chunks` as separate writes of an SSE answer, each flushed before the next. */
export async function replySse(res: ServerResponse, chunks: readonly (string | Uint8Array)[], headers: Record<string, string> = {}): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...headers });
  res.flushHeaders();
  for (const c of chunks) {
    await new Promise<void>((resolve) => res.write(c, () => resolve()));
    await new Promise((resolve) => setImmediate(resolve));
  }
  res.end();
}

export function replyJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
