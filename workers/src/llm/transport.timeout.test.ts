/** Deadlines: no first byte, or silence mid-stream, ends the request with E_PROVIDER_TIMEOUT, and the server sees the connection close. */
import { describe, expect, it } from 'vitest';
import { createAnthropicProvider } from './anthropic.ts';
import { createOpenAiProvider } from './openai.ts';
import { ask, fakeProviders, manualTimers } from './test-helpers.ts';

const fake = fakeProviders();

describe('timeouts', () => {
  it('times out waiting for the first byte', async () => {
    const f = await fake({ queue: [{ headerDelayMs: 600_000 }] });
    const timers = manualTimers();
    const llm = createOpenAiProvider({ baseUrl: `${f.url}/v1`, apiKey: 'k' }, { timers, timeouts: { firstByteMs: 30_000, idleMs: 120_000 } });
    const next = llm.stream(ask('hi'))[Symbol.asyncIterator]().next();
    const [request] = await f.waitForRequests(1);
    expect(timers.pending).toBe(1);
    timers.fireAll();
    const error = await next.then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_PROVIDER_TIMEOUT', provider: 'openai' });
    expect((error as Error).message).toContain('no first byte within 30000 ms');
    expect(await request!.settled).toBe('aborted');
  });

  it('times out when a stream goes silent, after the text already streamed', async () => {
    const f = await fake({ queue: [{ text: ['before', ' never'], stallAfterChunks: 1 }] });
    const timers = manualTimers();
    const llm = createAnthropicProvider({ baseUrl: f.url, apiKey: 'k' }, { timers, timeouts: { firstByteMs: 30_000, idleMs: 120_000 } });
    const it = llm.stream(ask('hi', 'claude-sonnet-4'))[Symbol.asyncIterator]();
    expect(await it.next()).toMatchObject({ value: { type: 'text', text: 'before' } });
    const next = it.next();
    timers.fireAll();
    const error = await next.then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_PROVIDER_TIMEOUT' });
    expect((error as Error).message).toContain('silent mid-stream within 120000 ms');
    expect(await f.requests[0]!.settled).toBe('aborted');
  });

  it('leaves no timer behind after a completed answer', async () => {
    const f = await fake();
    const timers = manualTimers();
    const llm = createOpenAiProvider({ baseUrl: `${f.url}/v1`, apiKey: 'k' }, { timers });
    for await (const _ of llm.stream(ask('hi'))) void _;
    expect(timers.pending).toBe(0);
  });
});
