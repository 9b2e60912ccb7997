/**
 * What the proxy reads from a request. The key comes from the provider's own
 * header; it is passed upstream and nowhere else (who is calling is the
 * signed proof's business, caller.ts). The body is read up to a byte
 * cap: a declared Content-Length over it is refused before reading, a body
 * that grows past it as soon as it does. After a refusal the rest of a
 * moderately oversized body is read and dropped, so the client gets to read
 * the 413 instead of a connection reset; a much larger one closes the socket.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { ProxyProvider } from './config.ts';

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** The header each provider takes its key in (OpenAI-style: `Authorization: Bearer`). */
export const KEY_HEADER: Readonly<Record<ProxyProvider, string>> = { openai: 'authorization', anthropic: 'x-api-key', gemini: 'x-goog-api-key' };

/** The API key from `Authorization: Bearer` (OpenAI-style), `x-api-key` (Anthropic) or `x-goog-api-key` (Gemini), if any. */
export function apiKeyOf(provider: ProxyProvider, headers: IncomingHttpHeaders): string | undefined {
  if (provider !== 'openai') {
    const key = one(headers[KEY_HEADER[provider]])?.trim();
    return key ? key : undefined;
  }
  const auth = one(headers.authorization) ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
  return match?.[1];
}

export type BodyResult = { readonly ok: true; readonly bytes: Buffer } | { readonly ok: false; readonly reason: 'too_large' | 'aborted' };

export function declaredTooLarge(req: IncomingMessage, cap: number): boolean {
  const length = Number(req.headers['content-length'] ?? NaN);
  return Number.isFinite(length) && length > cap;
}

export function readBody(req: IncomingMessage, cap: number): Promise<BodyResult> {
  if (declaredTooLarge(req, cap)) return Promise.resolve({ ok: false, reason: 'too_large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (r: BodyResult): void => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onError);
      resolve(r);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > cap) {
        req.pause();
        done({ ok: false, reason: 'too_large' });
      } else chunks.push(chunk);
    };
    const onEnd = (): void => done({ ok: true, bytes: Buffer.concat(chunks) });
    const onError = (): void => done({ ok: false, reason: 'aborted' });
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onError);
  });
}

/** Bodies up to this many times the cap are drained after a 413; larger ones get the connection closed. */
const LINGER_FACTOR = 8;

/** Whether to close the connection after refusing this request's body. */
export function closeAfterRefusal(req: IncomingMessage, cap: number): boolean {
  const length = Number(req.headers['content-length'] ?? NaN);
  return Number.isFinite(length) && length > cap * LINGER_FACTOR;
}

/** Reads and drops what is left of a refused body, up to LINGER_FACTOR times the cap. */
export function discardRest(req: IncomingMessage, cap: number): void {
  let seen = 0;
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > cap * LINGER_FACTOR) req.socket.destroy();
  });
  req.resume();
}
