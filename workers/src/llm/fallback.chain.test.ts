/** The fallback chain: the next provider (with its own model) when one fails before output; not after output, not after a Stop. */
import { describe, expect, it } from 'vitest';
import { createAnthropicProvider } from './anthropic.ts';
import { fallbackChain } from './fallback.ts';
import { createOpenAiProvider } from './openai.ts';
import { withRetry } from './retry.ts';
import { ask, drain, fakeProviders, recordingTimers, textOf } from './test-helpers.ts';

const fake = fakeProviders();

async function twoProviders(first: Parameters<typeof fake>[0], second: Parameters<typeof fake>[0]) {
  const a = await fake(first);
  const b = await fake(second);
  const primary = withRetry(createOpenAiProvider({ baseUrl: `${a.url}/v1`, apiKey: 'sk-a' }), { maxAttempts: 2 }, { timers: recordingTimers() });
  const backup = createAnthropicProvider({ baseUrl: b.url, apiKey: 'sk-b' });
  return { a, b, primary, backup };
}

describe('fallback chain', () => {
  it('moves to the second provider, with its model, when the first fails before output', async () => {
    const { a, b, primary, backup } = await twoProviders({ fallback: { failWith: { status: 503 } } }, { queue: [{ text: ['from ', 'backup'] }] });
    const switched: string[] = [];
    const chain = fallbackChain([{ provider: primary }, { provider: backup, model: 'claude-3-5-haiku-latest' }], {
      onFallback: (from, to, err) => switched.push(`${from.id}>${to.id}:${(err as { code: string }).code}`),
    });
    const { events, error } = await drain(chain.stream(ask('hi', 'gpt-4o')));
    expect(error).toBeUndefined();
    expect(textOf(events)).toBe('from backup');
    expect(a.requests).toHaveLength(2);
    expect(b.requests[0]!.body).toMatchObject({ model: 'claude-3-5-haiku-latest' });
    expect(switched).toEqual(['openai>anthropic:E_PROVIDER_UNAVAILABLE']);
  });

  it('moves on after a refused key as well', async () => {
    const { b, primary, backup } = await twoProviders({ apiKey: 'sk-other' }, {});
    const chain = fallbackChain([{ provider: primary }, { provider: backup }]);
    expect((await drain(chain.stream(ask('hi')))).error).toBeUndefined();
    expect(b.requests).toHaveLength(1);
  });

  it('does not switch once output has started', async () => {
    const { b, primary, backup } = await twoProviders({ queue: [{ text: ['half', ' an answer'], errorAfterChunks: 1 }] }, {});
    const { events, error } = await drain(fallbackChain([{ provider: primary }, { provider: backup }]).stream(ask('hi')));
    expect(textOf(events)).toBe('half');
    expect(error).toMatchObject({ code: 'E_PROVIDER_UNAVAILABLE', provider: 'openai' });
    expect(b.requests).toHaveLength(0);
  });

  it('when all providers fail, leads with the first failure and why, then names the others in order', async () => {
    const { primary, backup } = await twoProviders({ fallback: { failWith: { status: 500, message: 'a is down' } } }, { fallback: { failWith: { status: 529, message: 'b is overloaded' } } });
    const { error } = await drain(fallbackChain([{ provider: primary }, { provider: backup }]).stream(ask('hi')));
    expect(error).toMatchObject({ code: 'E_PROVIDER_UNAVAILABLE', provider: 'openai', status: 500 });
    expect((error as Error).message).toMatch(/^openai: .*a is down; then anthropic: .*b is overloaded/);
  });

  it('a refused key comes first, not the network error of an unreachable backup', async () => {
    const a = await fake({ apiKey: 'sk-right' });
    const closed = await fake({});
    await closed.close();
    const primary = createOpenAiProvider({ baseUrl: `${a.url}/v1`, apiKey: 'sk-wrong-key' });
    const backup = createOpenAiProvider({ id: 'backup', baseUrl: `${closed.url}/v1`, apiKey: 'sk-b' });
    const { error } = await drain(fallbackChain([{ provider: primary }, { provider: backup }]).stream(ask('hi')));
    expect(error).toMatchObject({ code: 'E_PROVIDER_AUTH', provider: 'openai', status: 401 });
    const message = (error as Error).message;
    expect(message.startsWith('openai: ')).toBe(true);
    expect(message.indexOf('backup: ')).toBeGreaterThan(message.indexOf('API key'));
    expect(message).not.toContain('(after:');
    expect(message).not.toContain('sk-wrong-key');
  });

  it('after a Stop, the stop is what is thrown', async () => {
    const { primary, backup } = await twoProviders({ fallback: { failWith: { status: 500 } } }, { fallback: { text: ['slow'], chunkDelayMs: 5_000 } });
    const stop = new AbortController();
    const chain = fallbackChain([{ provider: primary }, { provider: backup }], { onFallback: () => stop.abort() });
    const { error } = await drain(chain.stream(ask('hi'), { signal: stop.signal }));
    expect(error).toMatchObject({ code: 'E_ABORTED' });
  });
});
