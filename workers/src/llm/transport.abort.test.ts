/** Stop: aborting the signal, or leaving the loop, ends the HTTP request promptly and the server sees the connection close. */
import { describe, expect, it } from 'vitest';
import { createAnthropicProvider } from './anthropic.ts';
import { fallbackChain } from './fallback.ts';
import { createGeminiProvider } from './gemini.ts';
import { createOpenAiProvider } from './openai.ts';
import { withRetry } from './retry.ts';
import { ask, drain, fakeProviders } from './test-helpers.ts';
import type { LlmProvider } from './types.ts';

const fake = fakeProviders();

const providers: [string, (url: string) => LlmProvider][] = [
  ['openai', (url) => createOpenAiProvider({ baseUrl: `${url}/v1`, apiKey: 'k' })],
  ['anthropic', (url) => createAnthropicProvider({ baseUrl: url, apiKey: 'k' })],
  ['gemini', (url) => createGeminiProvider({ baseUrl: url, apiKey: 'k' })],
  ['retry+fallback', (url) => fallbackChain([{ provider: withRetry(createOpenAiProvider({ baseUrl: `${url}/v1`, apiKey: 'k' })) }, { provider: createOpenAiProvider({ baseUrl: `${url}/v1`, apiKey: 'k' }) }])],
];

describe('stop', () => {
  it.each(providers)('%s: aborting the signal mid-stream throws E_ABORTED and closes the connection', async (_name, make) => {
    const f = await fake({ fallback: { text: ['start'], endless: true } });
    const controller = new AbortController();
    let texts = 0;
    const { error } = await drain((async function* () {
      for await (const e of make(f.url).stream(ask('go'), { signal: controller.signal })) {
        if (e.type === 'text' && ++texts === 5) controller.abort();
        yield e;
      }
    })());
    expect(error).toMatchObject({ code: 'E_ABORTED' });
    expect(await f.requests[0]!.settled).toBe('aborted');
    expect(f.requests).toHaveLength(1);
  });

  it('leaving the loop early closes the connection too', async () => {
    const f = await fake({ fallback: { text: ['start'], endless: true } });
    let texts = 0;
    for await (const e of createOpenAiProvider({ baseUrl: `${f.url}/v1`, apiKey: 'k' }).stream(ask('go'))) {
      if (e.type === 'text' && ++texts === 3) break;
    }
    expect(await f.requests[0]!.settled).toBe('aborted');
  });

  it('an already aborted signal sends nothing', async () => {
    const f = await fake();
    const { error } = await drain(createOpenAiProvider({ baseUrl: `${f.url}/v1`, apiKey: 'k' }).stream(ask('go'), { signal: AbortSignal.abort() }));
    expect(error).toMatchObject({ code: 'E_ABORTED' });
    expect(f.requests).toHaveLength(0);
  });
});
