/** Retries before output: Retry-After honoured, exponential backoff with jitter, bounded attempts, no retry once output started or for a bad key. */
import { describe, expect, it } from 'vitest';
import { createAnthropicProvider } from './anthropic.ts';
import { createOpenAiProvider } from './openai.ts';
import { DEFAULT_RETRY, retryDelay, withRetry } from './retry.ts';
import { LlmError } from './llm-error.ts';
import { ask, drain, fakeProviders, recordingTimers, textOf } from './test-helpers.ts';

const fake = fakeProviders();
const openAi = (url: string) => createOpenAiProvider({ baseUrl: `${url}/v1`, apiKey: 'sk-k' });

describe('retry', () => {
  it('waits the Retry-After of a 429, then succeeds', async () => {
    const f = await fake({ queue: [{ failWith: { status: 429, retryAfter: 2 } }, { text: ['ok'] }] });
    const timers = recordingTimers();
    const { events, error } = await drain(withRetry(openAi(f.url), {}, { timers }).stream(ask('hi')));
    expect(error).toBeUndefined();
    expect(textOf(events)).toBe('ok');
    expect(timers.delays).toEqual([2000]);
    expect(f.requests).toHaveLength(2);
  });

  it('backs off exponentially with jitter on 500 and 503, then succeeds', async () => {
    const f = await fake({ queue: [{ failWith: { status: 500 } }, { failWith: { status: 503 } }, { text: ['fine'] }] });
    const timers = recordingTimers();
    const retries: number[] = [];
    const llm = withRetry(openAi(f.url), { baseDelayMs: 100 }, { timers, random: () => 0 }, { onRetry: (_e, attempt) => retries.push(attempt) });
    expect(textOf((await drain(llm.stream(ask('hi')))).events)).toBe('fine');
    expect(timers.delays).toEqual([50, 100]);
    expect(retries).toEqual([1, 2]);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const f = await fake({ fallback: { failWith: { status: 503, message: 'busy' } } });
    const { error } = await drain(withRetry(openAi(f.url), { maxAttempts: 3 }, { timers: recordingTimers() }).stream(ask('hi')));
    expect(error).toMatchObject({ code: 'E_PROVIDER_UNAVAILABLE', status: 503 });
    expect(f.requests).toHaveLength(3);
  });

  it('retries an overloaded error that came before any output', async () => {
    const f = await fake({ queue: [{ text: ['x'], errorAfterChunks: 0 }, { text: ['second try'] }] });
    const llm = withRetry(createAnthropicProvider({ baseUrl: f.url, apiKey: 'k' }), {}, { timers: recordingTimers() });
    expect(textOf((await drain(llm.stream(ask('hi', 'claude-3-5-haiku')))).events)).toBe('second try');
    expect(f.requests).toHaveLength(2);
  });

  it('never retries once output has started', async () => {
    const f = await fake({ queue: [{ text: ['shown ', 'to the user'], errorAfterChunks: 1 }, { text: ['again'] }] });
    const llm = withRetry(createAnthropicProvider({ baseUrl: f.url, apiKey: 'k' }), {}, { timers: recordingTimers() });
    const { events, error } = await drain(llm.stream(ask('hi', 'claude-3-5-haiku')));
    expect(textOf(events)).toBe('shown ');
    expect(error).toMatchObject({ code: 'E_PROVIDER_UNAVAILABLE' });
    expect(f.requests).toHaveLength(1);
  });

  it('does not retry a refused key or a bad request', async () => {
    const f = await fake({ queue: [{ failWith: { status: 401 } }, { failWith: { status: 400 } }] });
    const llm = withRetry(openAi(f.url), {}, { timers: recordingTimers() });
    expect((await drain(llm.stream(ask('hi')))).error).toMatchObject({ code: 'E_PROVIDER_AUTH' });
    expect((await drain(llm.stream(ask('hi')))).error).toMatchObject({ code: 'E_PROVIDER_HTTP' });
    expect(f.requests).toHaveLength(2);
  });

  it('does not wait for a Retry-After beyond maxRetryAfterMs', async () => {
    const f = await fake({ queue: [{ failWith: { status: 429, retryAfter: 3600 } }] });
    const timers = recordingTimers();
    const { error } = await drain(withRetry(openAi(f.url), {}, { timers }).stream(ask('hi')));
    expect(error).toMatchObject({ code: 'E_PROVIDER_RATE_LIMITED', retryAfterMs: 3_600_000 });
    expect(timers.delays).toEqual([]);
  });

  it('stops waiting with E_ABORTED when the caller aborts during the backoff', async () => {
    const f = await fake({ queue: [{ failWith: { status: 503, retryAfter: 20 } }, { text: ['never'] }] });
    const controller = new AbortController();
    const llm = withRetry(openAi(f.url), {}, {}, { onRetry: () => controller.abort() });
    const { error } = await drain(llm.stream(ask('hi'), { signal: controller.signal }));
    expect(error).toMatchObject({ code: 'E_ABORTED' });
    expect(f.requests).toHaveLength(1);
  });

  it('computes delays: Retry-After as given, else base·2^(n-1) scaled into [½, 1] and capped', () => {
    const p = { ...DEFAULT_RETRY, baseDelayMs: 1000, maxDelayMs: 3000 };
    const busy = new LlmError('E_PROVIDER_UNAVAILABLE', 'x', 'busy');
    expect([1, 2, 3, 4].map((n) => retryDelay(busy, n, p, () => 0))).toEqual([500, 1000, 1500, 1500]);
    expect([1, 2, 3].map((n) => retryDelay(busy, n, p, () => 0.999999))).toEqual([1000, 2000, 3000]);
    expect(retryDelay(new LlmError('E_PROVIDER_RATE_LIMITED', 'x', 'slow', { retryAfterMs: 1234 }), 5, p, () => 0.5)).toBe(1234);
  });
});
