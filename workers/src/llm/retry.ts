/**
 * Retries around a provider: on a rate limit or provider failure that came
 * before any output, wait and try again, a bounded number of times. The wait
 * honours Retry-After when the provider sent one, else it grows exponentially
 * with jitter. Once text or a tool call has reached the caller the request is
 * never repeated: the user would see the answer twice.
 */
import { resolveDeps, sleep, type LlmDeps } from './deps.ts';
import { isLlmError, LlmError } from './llm-error.ts';
import { isOutput, type LlmProvider } from './types.ts';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the error goes to the caller (or the next provider). */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 10_000, maxRetryAfterMs: 30_000 };

/** The wait before attempt `attempt + 1`: Retry-After, or base·2^(attempt-1) with jitter in [½, 1]. */
export function retryDelay(err: LlmError, attempt: number, policy: RetryPolicy, random: () => number): number {
  if (err.retryAfterMs !== undefined) return err.retryAfterMs;
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(exp * (0.5 + random() / 2));
}

export interface RetryHooks {
  /** Called before each wait; for status lines ("rate limited, retrying in 2 s"). */
  onRetry?(err: LlmError, attempt: number, delayMs: number): void;
}

export function withRetry(provider: LlmProvider, policy: Partial<RetryPolicy> = {}, deps: Partial<LlmDeps> = {}, hooks: RetryHooks = {}): LlmProvider {
  const p = { ...DEFAULT_RETRY, ...policy };
  const d = resolveDeps(deps);
  return {
    id: provider.id,
    async *stream(request, options = {}) {
      for (let attempt = 1; ; attempt++) {
        let started = false;
        try {
          for await (const event of provider.stream(request, options)) {
            started ||= isOutput(event);
            yield event;
          }
          return;
        } catch (err) {
          if (started || !isLlmError(err) || !err.retryable || attempt >= p.maxAttempts || options.signal?.aborted) throw err;
          const delay = retryDelay(err, attempt, p, d.random);
          if (delay > p.maxRetryAfterMs) throw err;
          hooks.onRetry?.(err, attempt, delay);
          await sleep(d.timers, delay, options.signal, () => new LlmError('E_ABORTED', provider.id, 'stopped by the caller while waiting to retry', { cause: err }));
        }
      }
    },
  };
}
