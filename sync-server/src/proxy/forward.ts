/**
 * What crosses the proxy in each direction. Upstream gets the body, the key in
 * the provider's own header and the provider's version headers, nothing else
 * (no cookies, no origin, no user header). The client gets the upstream
 * status, content type, retry and rate-limit headers, and the body as is.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ProxyProvider } from './config.ts';
import type { UpstreamHeaders } from './upstream-http.ts';

const PASS_UP: Record<ProxyProvider, readonly string[]> = {
  openai: ['openai-organization', 'openai-project'],
  anthropic: ['anthropic-version', 'anthropic-beta'],
  gemini: [],
};

/** `withBody` false (a GET) sends no content type. */
export function upstreamHeaders(provider: ProxyProvider, incoming: IncomingHttpHeaders, apiKey: string, withBody = true): Record<string, string> {
  const out: Record<string, string> = {
    ...(withBody && { 'content-type': 'application/json' }),
    accept: typeof incoming.accept === 'string' ? incoming.accept : '*/*',
    // Uncompressed, so the bytes relayed are the bytes sent.
    'accept-encoding': 'identity',
  };
  for (const name of PASS_UP[provider]) {
    const v = incoming[name];
    if (typeof v === 'string') out[name] = v;
  }
  if (provider === 'anthropic') out['x-api-key'] = apiKey;
  else if (provider === 'gemini') out['x-goog-api-key'] = apiKey;
  else out.authorization = `Bearer ${apiKey}`;
  return out;
}

const PASS_DOWN = /^(content-type|cache-control|retry-after|retry-after-ms|x-request-id|request-id|openai-processing-ms|x-ratelimit-.+|anthropic-ratelimit-.+)$/;

export function downstreamHeaders(upstream: UpstreamHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  upstream.forEach((value, name) => {
    if (PASS_DOWN.test(name)) out[name] = value;
  });
  if (out['content-type']?.includes('text/event-stream')) out['x-accel-buffering'] = 'no';
  return out;
}

/**
 * The body to send upstream: the client's bytes, except that an OpenAI-style
 * streaming request without `stream_options.include_usage` gets it added, so
 * the quota can count the answer. Returns undefined for a body that is not a JSON object.
 */
export function upstreamBody(provider: ProxyProvider, raw: Buffer): { bytes: Uint8Array<ArrayBuffer>; model: string | undefined; streaming: boolean } | undefined {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const b = body as { model?: unknown; stream?: unknown; stream_options?: { include_usage?: unknown } };
  const model = typeof b.model === 'string' ? b.model : undefined;
  const streaming = b.stream === true;
  if (provider === 'openai' && streaming && b.stream_options?.include_usage !== true) {
    const patched = { ...b, stream_options: { ...b.stream_options, include_usage: true } };
    return { bytes: new Uint8Array(Buffer.from(JSON.stringify(patched))), model, streaming };
  }
  return { bytes: new Uint8Array(raw), model, streaming };
}
