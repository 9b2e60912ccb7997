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

  it('fails with the last error, naming every failure, when all providers fail', async () => {
    const { primary, backup } = await twoProviders({ fallback: { failWith: { status: 500, message: 'a is down' } } }, { fallback: { failWith: { status: 529, message: 'b is overloaded' } } });
    const { error } = await drain(fallbackChain([{ provider: primary }, { provider: backup }]).stream(ask('hi')));
    expect(error).toMatchObject({ code: 'E_PROVIDER_UNAVAILABLE', provider: 'anthropic', status: 529 });
    expect((error as Error).message).toMatch(/b is overloaded.*a is down/);
  });
});
