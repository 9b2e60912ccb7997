/** The Gemini adapter against the fake provider: path and key header, systemInstruction, text, function calls, usage. */
import { describe, expect, it } from 'vitest';
import { createGeminiProvider } from './gemini.ts';
import { ask, drain, fakeProviders } from './test-helpers.ts';

const fake = fakeProviders();

describe('Gemini adapter', () => {
  it('streams text and function calls with usage from usageMetadata', async () => {
    const f = await fake({ queue: [{ text: ['Let me ', 'see.'], toolCalls: [{ name: 'search', arguments: '{"q":"sse"}' }], usage: { inputTokens: 30, outputTokens: 8 } }] });
    const llm = createGeminiProvider({ baseUrl: f.url, apiKey: 'AIza-test-key-0000000000' });
    const { events } = await drain(llm.stream(ask('look it up', 'gemini-2.5-flash')));
    expect(events).toEqual([
      { type: 'text', text: 'Let me ' },
      { type: 'text', text: 'see.' },
      { type: 'tool_call', id: 'call_0', name: 'search', arguments: '{"q":"sse"}' },
      { type: 'usage', inputTokens: 30, outputTokens: 8 },
      { type: 'done', finishReason: 'tool_calls' },
    ]);
    const sent = f.requests[0]!;
    expect(sent.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent');
    expect(sent.query).toEqual({ alt: 'sse' });
    expect(sent.headers['x-goog-api-key']).toBe('AIza-test-key-0000000000');
    expect(sent.body).toEqual({ contents: [{ role: 'user', parts: [{ text: 'look it up' }] }], systemInstruction: { parts: [{ text: 'Be brief.' }] } });
  });

  it('maps a 429 to E_PROVIDER_RATE_LIMITED with the Retry-After delay', async () => {
    const f = await fake({ queue: [{ failWith: { status: 429, retryAfter: 7 } }] });
    const { error } = await drain(createGeminiProvider({ baseUrl: f.url, apiKey: 'k' }).stream(ask('hi', 'gemini-2.5-pro')));
    expect(error).toMatchObject({ code: 'E_PROVIDER_RATE_LIMITED', status: 429, retryAfterMs: 7000, retryable: true });
  });

  it('fails with a stable code on an error chunk mid-stream', async () => {
    const f = await fake({ queue: [{ text: ['a', 'b'], errorAfterChunks: 1 }] });
    const { error } = await drain(createGeminiProvider({ baseUrl: f.url, apiKey: 'k' }).stream(ask('hi', 'gemini-2.5-pro')));
    expect(error).toMatchObject({ code: 'E_PROVIDER_UNAVAILABLE' });
  });
});
