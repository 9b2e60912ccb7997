/**
 * The proxy's own answers: CORS headers for the app's origin, the preflight,
 * and JSON errors carrying a stable code. The error body is readable by both
 * OpenAI- and Anthropic-style clients (`error.message`, `error.type`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERRORS, type ErrorCode } from '@tendril/crdt-schema/errors';

const ALLOWED_HEADERS = 'authorization, content-type, x-api-key, anthropic-version, anthropic-beta, x-goog-api-key, x-tendril-proof';
const EXPOSED_HEADERS = 'retry-after, x-request-id, request-id, x-tendril-upstream-status, x-tendril-upstream-location, x-tendril-truncated';

/** CORS headers for this request's Origin, or none when it is not allowed. */
export function corsHeaders(req: IncomingMessage, allowed: readonly string[]): Record<string, string> {
  const origin = req.headers.origin;
  if (origin === undefined || !(allowed.includes('*') || allowed.includes(origin))) return {};
  return { 'access-control-allow-origin': origin, vary: 'Origin', 'access-control-expose-headers': EXPOSED_HEADERS };
}

export function preflight(res: ServerResponse, cors: Record<string, string>): void {
  const allow = cors['access-control-allow-origin'] === undefined ? {} : {
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers': ALLOWED_HEADERS,
    'access-control-max-age': '600',
  };
  res.writeHead(204, { ...cors, ...allow });
  res.end();
}

const TYPES: Partial<Record<ErrorCode, string>> = {
  E_PROXY_RATE_LIMITED: 'rate_limit_error',
  E_QUOTA: 'rate_limit_error',
  E_BODY_TOO_LARGE: 'request_too_large',
  E_PROXY_CONCURRENCY: 'rate_limit_error',
  E_PROXY_DISABLED: 'overloaded_error',
  E_PROXY_PROOF: 'authentication_error',
  E_PROXY_PROOF_STALE: 'authentication_error',
  E_PROXY_REPLAY: 'authentication_error',
  E_AUTH_FAILED: 'authentication_error',
  E_NOT_MEMBER: 'authentication_error',
  E_REVOKED: 'authentication_error',
  E_PROXY_DEADLINE: 'timeout_error',
  E_PROVIDER_AUTH: 'authentication_error',
  E_PROVIDER_TIMEOUT: 'timeout_error',
  E_PROVIDER_UNAVAILABLE: 'api_error',
};

export interface ProxyErrorOptions {
  readonly message?: string;
  readonly retryAfterMs?: number;
  readonly headers?: Record<string, string>;
  /** Close the connection after answering (a body left unread). */
  readonly close?: boolean;
}

export function sendError(res: ServerResponse, status: number, code: ErrorCode, o: ProxyErrorOptions = {}): void {
  const body = JSON.stringify({
    type: 'error',
    error: { type: TYPES[code] ?? 'invalid_request_error', code, message: o.message ?? ERRORS[code].summary, recovery: ERRORS[code].recovery },
  });
  res.writeHead(status, {
    ...o.headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...(o.retryAfterMs !== undefined && { 'retry-after': String(Math.max(1, Math.ceil(o.retryAfterMs / 1000))) }),
    ...(o.close && { connection: 'close' }),
  });
  res.end(body);
}

/** The last event of a stream cut because the operator switched its provider off (same shape as deadlineEvent). */
export function killedEvent(provider: string): string {
  const error = { type: 'overloaded_error', code: 'E_PROXY_DISABLED', message: `the relay operator switched the ${provider} proxy off`, recovery: ERRORS.E_PROXY_DISABLED.recovery };
  return `event: error\ndata: ${JSON.stringify({ type: 'error', error })}\n\n`;
}

/**
 * The last event of a stream cut at its total deadline: an SSE `error` event whose data is the
 * Anthropic error shape, which OpenAI-style clients read too (a chunk with an `error` field).
 */
export function deadlineEvent(totalMs: number): string {
  const error = { type: 'timeout_error', code: 'E_PROXY_DEADLINE', message: `the proxy cut the stream at its ${totalMs / 1000} s limit`, recovery: ERRORS.E_PROXY_DEADLINE.recovery };
  return `event: error\ndata: ${JSON.stringify({ type: 'error', error })}\n\n`;
}
