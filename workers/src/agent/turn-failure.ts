/**
 * What a failed attempt at a chat turn means for the turn: the reason shown
 * to the user, and whether another attempt may help. A request the provider
 * refused (bad key, bad request, a message larger than the context window)
 * fails the same way every time, so it ends the turn at once; anything else
 * (a provider still down after the in-attempt retries, a timeout, a crash) is
 * tried again a bounded number of times, waiting longer each time.
 */
import { TendrilError, type ErrorCode } from '@tendril/crdt-schema/errors';
import { isLlmError } from '../llm/index.ts';

export interface TurnRetryPolicy {
  /** Attempts at a turn in all, the first included. */
  readonly maxAttempts: number;
  /** The wait after the first failed attempt; it doubles after each further one. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_TURN_RETRY: TurnRetryPolicy = { maxAttempts: 3, baseDelayMs: 15_000, maxDelayMs: 600_000 };

const FINAL: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['E_CONTEXT_TOO_LARGE', 'E_PROVIDER_AUTH', 'E_PROVIDER_HTTP', 'E_BAD_INPUT', 'E_FORBIDDEN']);

export interface TurnFailure {
  /** The reason, readable, with the error code when there is one. */
  readonly message: string;
  /** False when trying again cannot help. */
  readonly retryable: boolean;
  /** The provider's Retry-After, when it sent one: the next attempt waits at least this long. */
  readonly retryAfterMs?: number;
}

export function describeFailure(e: unknown): TurnFailure {
  if (e instanceof TendrilError) {
    const after = isLlmError(e) && e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {};
    return { message: `${e.message} [${e.code}]`, retryable: !FINAL.has(e.code), ...after };
  }
  return { message: e instanceof Error ? e.message : String(e), retryable: true };
}

/** The wait before attempt `attempt + 1`: base·2^(attempt-1), at least the provider's Retry-After, capped. */
export function turnRetryDelay(attempt: number, policy: TurnRetryPolicy, retryAfterMs = 0): number {
  return Math.min(policy.maxDelayMs, Math.max(retryAfterMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1)));
}
