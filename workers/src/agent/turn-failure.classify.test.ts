/** Which failed attempts at a turn are tried again, what the user reads, and how long the worker waits. */
import { describe, expect, it } from 'vitest';
import { TendrilError } from '@tendril/crdt-schema/errors';
import { LlmError } from '../llm/index.ts';
import { DEFAULT_TURN_RETRY, describeFailure, turnRetryDelay } from './turn-failure.ts';

describe('turn failures', () => {
  it('ends the turn at once when trying again cannot help', () => {
    for (const e of [
      new TendrilError('E_CONTEXT_TOO_LARGE', 'the message is larger than the model\'s context window'),
      new LlmError('E_PROVIDER_AUTH', 'openai', 'the API key was refused, HTTP 401'),
      new LlmError('E_PROVIDER_HTTP', 'openai', 'the request was rejected, HTTP 400'),
    ]) expect(describeFailure(e)).toEqual({ message: `${e.message} [${e.code}]`, retryable: false });
  });

  it('tries again after provider outages, timeouts and unexpected crashes', () => {
    expect(describeFailure(new LlmError('E_PROVIDER_UNAVAILABLE', 'openai', 'the provider failed, HTTP 503')).retryable).toBe(true);
    expect(describeFailure(new LlmError('E_PROVIDER_TIMEOUT', 'openai', 'no first byte')).retryable).toBe(true);
    expect(describeFailure(new Error('boom'))).toEqual({ message: 'boom', retryable: true });
    expect(describeFailure('odd')).toEqual({ message: 'odd', retryable: true });
  });

  it('doubles the wait after each failed attempt, up to the cap', () => {
    const p = { ...DEFAULT_TURN_RETRY, baseDelayMs: 1000, maxDelayMs: 5000 };
    expect([1, 2, 3, 4].map((a) => turnRetryDelay(a, p))).toEqual([1000, 2000, 4000, 5000]);
    expect(turnRetryDelay(1, p, 3000)).toBe(3000);
    expect(turnRetryDelay(1, p, 60_000)).toBe(5000);
    expect(describeFailure(new LlmError('E_PROVIDER_RATE_LIMITED', 'openai', 'rate limited', { status: 429, retryAfterMs: 45_000 }))).toMatchObject({ retryable: true, retryAfterMs: 45_000 });
  });
});
