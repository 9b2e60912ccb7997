/**
 * Browser-only model calls. OpenAI and Anthropic refuse cross-origin calls
 * from a page, so for those kinds the request goes to the relay's LLM proxy on
 * the app's own origin, with the user's key in the header the upstream
 * expects; a provider with a local base URL (Ollama and the like) is called
 * directly. The answer streams as SSE and is yielded piece by piece.
 * The key only ever goes into a request header: it is never logged nor put
 * into an error message.
 */
import type { ProviderKind } from '@tendril/crdt-schema/schema';

export interface ModelTarget {
  readonly kind: ProviderKind;
  readonly model: string;
  readonly baseUrl?: string;
}

export interface ModelRoute {
  readonly url: string;
  readonly dialect: 'openai' | 'anthropic';
  readonly proxied: boolean;
}

const LOCAL_HOSTS = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0|[^.]+\.local)$/i;

/** Whether a base URL points at this machine or the local network name space. */
export function isLocalUrl(url: string): boolean {
  try {
    return LOCAL_HOSTS.test(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** Where a chat request for `t` goes, seen from a page served at `origin`; undefined when the browser cannot reach it. */
export function routeFor(t: ModelTarget, origin: string): ModelRoute | undefined {
  if (t.baseUrl !== undefined && isLocalUrl(t.baseUrl)) {
    const base = t.baseUrl.replace(/\/+$/, '');
    return t.kind === 'anthropic' ? { url: `${base}/v1/messages`, dialect: 'anthropic', proxied: false } : { url: `${base}/chat/completions`, dialect: 'openai', proxied: false };
  }
  if (t.kind === 'openai') return { url: `${origin}/v1/proxy/chat/completions`, dialect: 'openai', proxied: true };
  if (t.kind === 'anthropic') return { url: `${origin}/v1/proxy/messages`, dialect: 'anthropic', proxied: true };
  if (t.kind === 'ollama') return { url: `${(t.baseUrl ?? 'http://localhost:11434/v1').replace(/\/+$/, '')}/chat/completions`, dialect: 'openai', proxied: false };
  return undefined;
}

/** The request for a one-turn, streamed prompt. */
export function buildRequest(route: ModelRoute, model: string, prompt: string, apiKey: string | undefined): { headers: Record<string, string>; body: string } {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
  const messages = [{ role: 'user', content: prompt }];
  if (route.dialect === 'anthropic') {
    if (apiKey) headers['x-api-key'] = apiKey;
    headers['anthropic-version'] = '2023-06-01';
    return { headers, body: JSON.stringify({ model, messages, max_tokens: 256, stream: true }) };
  }
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  return { headers, body: JSON.stringify({ model, messages, stream: true }) };
}

/** The text a parsed SSE data payload adds, in either dialect; '' for frames that carry none. */
export function textOf(dialect: ModelRoute['dialect'], data: unknown): string {
  if (typeof data !== 'object' || data === null) return '';
  const d = data as Record<string, unknown>;
  if (dialect === 'anthropic') {
    const delta = d.type === 'content_block_delta' ? (d.delta as Record<string, unknown> | undefined) : undefined;
    return typeof delta?.text === 'string' ? delta.text : '';
  }
  const choice = Array.isArray(d.choices) ? (d.choices[0] as Record<string, unknown> | undefined) : undefined;
  const content = (choice?.delta as Record<string, unknown> | undefined)?.content;
  return typeof content === 'string' ? content : '';
}

/** Splits SSE text into complete `data:` payloads and the unfinished rest. */
export function takeSseData(buffer: string): { data: string[]; rest: string } {
  const events = buffer.replace(/\r\n/g, '\n').split('\n\n');
  const rest = events.pop() ?? '';
  const data = events.flatMap((ev) => {
    const lines = ev.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, ''));
    return lines.length > 0 ? [lines.join('\n')] : [];
  });
  return { data, rest };
}

/** A refusal or failure, with the provider's (or proxy's) message when it sent one. */
export class ModelCallError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'ModelCallError';
    this.status = status;
  }
}

async function failureOf(res: Response): Promise<ModelCallError> {
  let message = `the provider answered ${res.status}`;
  try {
    const body = (await res.json()) as { error?: { message?: unknown; code?: unknown } | string; message?: unknown };
    const e = body.error;
    const text = typeof e === 'string' ? e : typeof e?.message === 'string' ? e.message : typeof body.message === 'string' ? body.message : undefined;
    if (text) message += `: ${text}`;
  } catch {
    // Not JSON: the status says enough.
  }
  return new ModelCallError(res.status, message);
}

/** Sends one prompt and yields the answer's text as it streams. */
export async function* streamPrompt(
  t: ModelTarget, prompt: string, apiKey: string | undefined,
  o: { origin: string; fetch?: typeof fetch; signal?: AbortSignal },
): AsyncGenerator<string> {
  const route = routeFor(t, o.origin);
  if (route === undefined) throw new ModelCallError(0, `a ${t.kind} provider cannot be called from the browser`);
  const { headers, body } = buildRequest(route, t.model, prompt, apiKey);
  const res = await (o.fetch ?? fetch)(route.url, { method: 'POST', headers, body, signal: o.signal });
  if (!res.ok || res.body === null) throw await failureOf(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    const { data, rest } = takeSseData(buffer + value);
    buffer = rest;
    for (const d of data) {
      if (d === '[DONE]') return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(d);
      } catch {
        continue;
      }
      const p = parsed as { type?: unknown; error?: { message?: unknown } };
      if (p.type === 'error' || (p.error !== undefined && typeof p.error === 'object')) throw new ModelCallError(res.status, `the stream failed: ${String(p.error?.message ?? 'unknown error')}`);
      const text = textOf(route.dialect, parsed);
      if (text) yield text;
    }
  }
}
