/**
 * The fake model provider: a real HTTP server on 127.0.0.1, port 0, that
 * answers OpenAI-compatible, Anthropic and Gemini requests with scripted
 * scenarios in their true streaming formats, and their model lists and
 * embeddings (catalog.ts). It records every request
 * (headers included) and how it ended, so a test can check that a Stop or a
 * timeout really closed the connection.
 */
import { imagesOf, type FakeImage } from './images.ts';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { anthropicDialect } from './anthropic.ts';
import { catalogAnswer, catalogRoute, type CatalogRoute } from './catalog.ts';
import { geminiDialect } from './gemini.ts';
import { openAiDialect } from './openai.ts';
import { headerValue, type Dialect, type HttpAnswer } from './plan.ts';
import { pickScenario, SCENARIO_HEADER, usageFor, type Scenario, type ScenarioBook } from './scenario.ts';
import { closedSignal, writeStream, type Outcome } from './writer.ts';

export interface FakeProviderOptions extends ScenarioBook {
  /** When set, requests must carry exactly this key; otherwise any non-empty key passes. */
  readonly apiKey?: string;
  /**
   * Answer as a provider that lets web pages call it (as Ollama and Anthropic do): a CORS preflight
   * is accepted and every answer carries Access-Control-Allow-Origin. Off by default, like OpenAI.
   */
  readonly cors?: boolean;
  /** The model names each provider's model list answers with (default: catalog.ts DEFAULT_MODELS). */
  readonly catalog?: Partial<Readonly<Record<Dialect['name'], readonly string[]>>>;
}

/** One request as the fake provider saw it. */
export interface FakeRequest {
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
  readonly dialect: Dialect['name'] | undefined;
  /** The images the request carried in its provider's own format (images.ts). */
  readonly images: readonly FakeImage[];
  /** The scenario used ('default', 'queued' or its name). */
  scenario: string | undefined;
  outcome: Outcome | 'pending';
  /** Settles when the answer completed or the client went away. */
  readonly settled: Promise<Outcome>;
}

export interface FakeProvider {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:PORT. */
  readonly url: string;
  readonly port: number;
  readonly requests: readonly FakeRequest[];
  /** Adds scenarios to the queue. */
  enqueue(...scenarios: Scenario[]): void;
  /** Resolves with the first `count` requests once that many have arrived. */
  waitForRequests(count: number): Promise<readonly FakeRequest[]>;
  /** Stops the server and cuts open connections; safe to call twice. */
  close(): Promise<void>;
}

interface Route {
  readonly dialect: Dialect;
  readonly stream: boolean;
  readonly model: string | undefined;
}

function route(path: string, query: URLSearchParams, body: Record<string, unknown>): Route | undefined {
  const model = typeof body.model === 'string' ? body.model : undefined;
  if (path === '/v1/chat/completions') return { dialect: openAiDialect, stream: body.stream === true, model };
  if (path === '/v1/messages') return { dialect: anthropicDialect, stream: body.stream === true, model };
  const gemini = /^\/v1beta\/models\/([^/:]+):(streamGenerateContent|generateContent)$/.exec(path);
  if (gemini) return { dialect: geminiDialect, stream: gemini[2] === 'streamGenerateContent' && query.get('alt') === 'sse', model: gemini[1] };
  return undefined;
}

const PREFIX = { openai: 'chatcmpl-fake', anthropic: 'msg_fake', gemini: 'resp-fake' } as const;

function answer(res: ServerResponse, a: HttpAnswer): void {
  const text = JSON.stringify(a.body);
  res.writeHead(a.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...a.headers });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text === '' ? {} : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

export async function startFakeProvider(options: FakeProviderOptions = {}): Promise<FakeProvider> {
  const requests: FakeRequest[] = [];
  const queue: Scenario[] = [...(options.queue ?? [])];
  const used = new Map<string, number>();
  const waiters = new Set<() => void>();

  async function serve(req: IncomingMessage, res: ServerResponse, record: FakeRequest, r: Route | CatalogRoute | undefined): Promise<Outcome> {
    const reply = (a: HttpAnswer): Outcome => {
      answer(res, a);
      return 'completed';
    };
    if (record.body === undefined) return reply({ status: 400, body: { error: { message: 'body is not JSON' } } });
    if (r && 'kind' in r) {
      const denied = r.dialect.checkAuth(req.headers, new URLSearchParams(record.query), options.apiKey);
      if (denied) return reply(denied);
      const a = catalogAnswer(r, record.body, options.catalog?.[r.dialect.name]);
      return reply(a.ok ? { status: 200, body: a.body } : r.dialect.failure({ status: 400, message: a.message }, options.apiKey));
    }
    if (!r) return reply({ status: 404, body: { error: { message: `no route ${req.method ?? ''} ${record.path}` } } });
    const denied = r.dialect.checkAuth(req.headers, new URLSearchParams(record.query), options.apiKey);
    if (denied) return reply(denied);
    const { name, scenario: s } = pickScenario(options, queue, headerValue(req.headers[SCENARIO_HEADER]), record.body, used, r.model);
    record.scenario = name;
    const { gone, closed } = closedSignal(res);
    if (s.headerDelayMs !== undefined) await Promise.race([new Promise((w) => setTimeout(w, s.headerDelayMs)), closed]);
    if (gone()) return 'aborted';
    if (s.failWith) return reply(r.dialect.failure(s.failWith, options.apiKey));
    const ctx = {
      id: `${PREFIX[r.dialect.name]}${requests.indexOf(record)}`, created: Math.floor(Date.now() / 1000), model: r.model ?? 'fake-model',
      usage: usageFor(s, record.body), body: record.body,
      includeUsage: (record.body as { stream_options?: { include_usage?: boolean } }).stream_options?.include_usage === true,
    };
    if (!r.stream) return reply({ status: 200, body: r.dialect.json(s, ctx) });
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
    return writeStream(res, r.dialect.stream(s, ctx), s);
  }

  const server = createServer((req, res) => {
    if (options.cors) {
      res.setHeader('access-control-allow-origin', headerValue(req.headers.origin) ?? '*');
      res.setHeader('vary', 'Origin');
      if (req.method === 'OPTIONS') {
        const asked = headerValue(req.headers['access-control-request-headers']);
        res.writeHead(204, {
          'access-control-allow-methods': 'GET, POST, OPTIONS',
          ...(asked ? { 'access-control-allow-headers': asked } : {}),
          ...(req.headers['access-control-request-private-network'] ? { 'access-control-allow-private-network': 'true' } : {}),
          'access-control-max-age': '600',
        });
        res.end();
        return;
      }
    }
    const url = new URL(req.url ?? '/', 'http://fake');
    let settle: (o: Outcome) => void = () => {};
    const settled = new Promise<Outcome>((resolve) => (settle = resolve));
    void readJson(req).then(async (body) => {
      const catalog = body !== undefined ? catalogRoute(req.method ?? '', url.pathname, req.headers) : undefined;
      const r = catalog ?? (req.method === 'POST' && body !== undefined ? route(url.pathname, url.searchParams, body as Record<string, unknown>) : undefined);
      const record: FakeRequest = {
        path: url.pathname, query: Object.fromEntries(url.searchParams), headers: { ...req.headers }, body,
        dialect: r?.dialect.name, images: imagesOf(r?.dialect.name, body), scenario: undefined, outcome: 'pending', settled,
      };
      requests.push(record);
      for (const w of [...waiters]) w();
      const outcome = await serve(req, res, record, r).catch((err: unknown): Outcome => {
        if (!res.headersSent) answer(res, { status: 400, body: { error: { message: String(err) } } });
        else res.destroy();
        return 'completed';
      });
      record.outcome = outcome;
      settle(outcome);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    enqueue: (...s) => void queue.push(...s),
    waitForRequests: (count) =>
      new Promise((resolve) => {
        const check = (): void => {
          if (requests.length < count) return;
          waiters.delete(check);
          resolve(requests.slice(0, count));
        };
        waiters.add(check);
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
