/**
 * Provider failures as TendrilErrors with a stable code, a readable message
 * that never contains an API key, and what the retry and fallback logic
 * needs: the HTTP status, the Retry-After delay and whether a retry may help.
 */
import { TendrilError, type ErrorCode } from '@tendril/crdt-schema/errors';

export type LlmErrorCode = Extract<ErrorCode, `E_PROVIDER_${string}` | 'E_ABORTED' | 'E_CONTEXT_TOO_LARGE'>;

export class LlmError extends TendrilError {
  declare readonly code: LlmErrorCode;
  readonly provider: string;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  /** The message without the provider prefix. */
  readonly detail: string;
  constructor(code: LlmErrorCode, provider: string, message: string, extra: { status?: number; retryAfterMs?: number; cause?: unknown } = {}) {
    super(code, `${provider}: ${message}`, { cause: extra.cause });
    this.name = 'LlmError';
    this.provider = provider;
    this.detail = message;
    this.status = extra.status;
    this.retryAfterMs = extra.retryAfterMs;
  }
  /** Rate limits and provider failures may clear up; bad keys and bad requests will not. */
  get retryable(): boolean {
    return this.code === 'E_PROVIDER_RATE_LIMITED' || this.code === 'E_PROVIDER_UNAVAILABLE';
  }
}

export const isLlmError = (e: unknown): e is LlmError => e instanceof LlmError;

const KEY_LIKE = /\b(sk|gsk|xai|AIza)[-_A-Za-z0-9]{12,}/g;

/** Removes the given secrets and anything shaped like a provider key from `text`. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s !== undefined && s.length >= 4) out = out.split(s).join('[redacted]');
  return out.replace(KEY_LIKE, '[redacted]');
}

/** Retry-After (seconds or an HTTP date) or OpenAI's retry-after-ms, in ms. */
export function parseRetryAfter(headers: Headers, now: number): number | undefined {
  const ms = Number(headers.get('retry-after-ms') ?? NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The provider's own error sentence from an OpenAI, Anthropic or Gemini error body. */
export function providerMessage(body: string): string {
  let text = body;
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const m = typeof parsed.error === 'string' ? parsed.error : (parsed.error?.message ?? parsed.message);
    if (typeof m === 'string') text = m;
  } catch {
    // not JSON: use the raw text
  }
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

type HttpCode = 'E_PROVIDER_AUTH' | 'E_PROVIDER_RATE_LIMITED' | 'E_PROVIDER_UNAVAILABLE' | 'E_PROVIDER_HTTP';

const HTTP_WHAT: Record<HttpCode, string> = {
  E_PROVIDER_AUTH: 'the API key was refused',
  E_PROVIDER_RATE_LIMITED: 'rate limited',
  E_PROVIDER_UNAVAILABLE: 'the provider failed',
  E_PROVIDER_HTTP: 'the request was rejected',
};

const httpCode = (status: number): HttpCode =>
  status === 401 || status === 403 ? 'E_PROVIDER_AUTH'
  : status === 429 ? 'E_PROVIDER_RATE_LIMITED'
  : status === 408 || status >= 500 ? 'E_PROVIDER_UNAVAILABLE'
  : 'E_PROVIDER_HTTP';

/** Maps an HTTP failure to a code and a message. */
export function httpError(provider: string, status: number, body: string, retryAfterMs: number | undefined, secrets: readonly (string | undefined)[]): LlmError {
  const detail = redact(providerMessage(body), secrets);
  const code = httpCode(status);
  const wait = retryAfterMs === undefined ? '' : ` (retry after ${Math.ceil(retryAfterMs / 1000)} s)`;
  return new LlmError(code, provider, `${HTTP_WHAT[code]}, HTTP ${status}${detail ? `: ${detail}` : ''}${wait}`, { status, retryAfterMs });
}

/** An error event inside a stream, by the provider's error type. */
export function streamError(provider: string, type: string | undefined, message: string, secrets: readonly (string | undefined)[]): LlmError {
  const code: LlmErrorCode =
    type === 'overloaded_error' || type === 'api_error' || type === 'server_error' ? 'E_PROVIDER_UNAVAILABLE'
    : type === 'rate_limit_error' ? 'E_PROVIDER_RATE_LIMITED'
    : 'E_PROVIDER_STREAM';
  return new LlmError(code, provider, `error in the stream${type ? ` (${type})` : ''}: ${redact(message, secrets)}`);
}
