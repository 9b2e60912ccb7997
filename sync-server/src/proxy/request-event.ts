/**
 * One event per request to the proxy, answered or refused: what the operator
 * sees of it (the `proxy.usage` log line, the /metrics series, the daily cost
 * alert). A meter is opened when a request arrives on a proxy route and
 * filled in as the request goes: who called (after the proof checks), the
 * first byte from the upstream, the usage of the answer, an error code. It
 * holds ids, counts, times and codes only: never a key, a header, a URL the
 * caller sent, or any content.
 */
import type { ErrorCode } from '@tendril/crdt-schema/errors';
import type { DeviceId, WorkspaceId } from '@tendril/crdt-schema/ids';
import type { Caller } from './caller.ts';
import type { ProxyProvider } from './config.ts';

export interface ProxyRequestEvent {
  /** The route's path template (never the raw URL and query). */
  readonly route: string;
  readonly provider: ProxyProvider | 'fetch';
  /** HTTP status the caller got (0 when the caller went away before any). */
  readonly status: number;
  /** Why the request failed or was refused, or null when it was answered. */
  readonly error: ErrorCode | null;
  /** Which limit refused it, for 429s from the proxy's own limits. */
  readonly limitScope: 'device' | 'workspace' | 'nonces' | null;
  /** Known once the proof verified; null for requests refused before. */
  readonly workspace: WorkspaceId | null;
  readonly device: DeviceId | null;
  readonly model: string | null;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** True when the upstream reported no usage and the counts are estimated from sizes. */
  readonly estimated: boolean;
  /** USD, or null when unknown (unpriced model, or nothing answered). */
  readonly costUsd: number | null;
  /** From arrival to the upstream's response headers; null when none came. */
  readonly firstByteMs: number | null;
  /** From arrival to the last byte sent (or the refusal). */
  readonly totalMs: number;
  /** Clock time the request ended. */
  readonly at: number;
}

export interface RequestMeter {
  caller(c: Caller): void;
  /** The proxy refused or failed the request with its own error. */
  error(code: ErrorCode, limitScope?: ProxyRequestEvent['limitScope']): void;
  firstByte(): void;
  usage(u: { model: string; inputTokens: number; outputTokens: number; estimated: boolean; costUsd: number | null }): void;
  model(name: string): void;
  /** Closes the meter: the event, with `status` the status sent. */
  finish(status: number): ProxyRequestEvent;
}

/** The error an upstream status stands for, when the proxy passed it on as is. */
export function upstreamError(status: number): ErrorCode | null {
  if (status >= 200 && status < 400) return null;
  if (status === 401 || status === 403) return 'E_PROVIDER_AUTH';
  if (status === 429) return 'E_PROVIDER_RATE_LIMITED';
  if (status >= 500) return 'E_PROVIDER_UNAVAILABLE';
  return 'E_PROVIDER_HTTP';
}

/** Model names are the caller's text: a log line keeps this many characters of one. */
export const MAX_MODEL_CHARS = 128;

export function openRequestMeter(route: string, provider: ProxyProvider | 'fetch', now: () => number): RequestMeter {
  const start = now();
  let who: Caller | undefined;
  let error: ErrorCode | null = null;
  let limitScope: ProxyRequestEvent['limitScope'] = null;
  let firstByteMs: number | null = null;
  let model: string | null = null;
  let used = { inputTokens: 0, outputTokens: 0, estimated: false, costUsd: null as number | null };
  return {
    caller: (c) => void (who = c),
    error(code, scope) {
      error ??= code;
      limitScope ??= scope ?? null;
    },
    firstByte: () => void (firstByteMs ??= now() - start),
    usage(u) {
      model = u.model.slice(0, MAX_MODEL_CHARS);
      used = { inputTokens: u.inputTokens, outputTokens: u.outputTokens, estimated: u.estimated, costUsd: u.costUsd };
    },
    model: (name) => void (model ??= name.slice(0, MAX_MODEL_CHARS)),
    finish(status) {
      const at = now();
      return {
        route,
        provider,
        status,
        // Status 0: the caller went away before any answer.
        error: error ?? (status === 0 ? 'E_ABORTED' : provider === 'fetch' ? null : upstreamError(status)),
        limitScope,
        workspace: who?.workspace ?? null,
        device: who?.device ?? null,
        model,
        ...used,
        firstByteMs,
        totalMs: at - start,
        at,
      };
    },
  };
}
