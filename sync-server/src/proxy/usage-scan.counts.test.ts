/** The usage scanner: token counts from OpenAI, Anthropic and Gemini answers, streamed or whole; only counts that are whole numbers. */
import { describe, expect, it } from 'vitest';
import { createUsageScanner } from './usage-scan.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const sse = (events: readonly unknown[]): string => events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('');

function scan(streaming: boolean, text: string, split = 7) {
  const s = createUsageScanner(streaming);
  // In small pieces, so lines and UTF-8 sequences cross chunk boundaries.
  const bytes = utf8(text);
  for (let i = 0; i < bytes.length; i += split) s.push(bytes.subarray(i, i + split));
  return s.end();
}

describe('usage scanner', () => {
  it('reads an OpenAI stream: the model from the first delta, usage from the last chunk', () => {
    const deltas = Array.from({ length: 50 }, (_, i) => ({ model: 'gpt-4o-mini', choices: [{ delta: { content: `tok ${i} ü` } }] }));
    const text = sse([...deltas, { model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 12, completion_tokens: 50 } }]) + 'data: [DONE]\n\n';
    expect(scan(true, text)).toEqual({ inputTokens: 12, outputTokens: 50, model: 'gpt-4o-mini' });
  });

  it('reads an Anthropic stream: input (with cache) from message_start, output from message_delta', () => {
    const text =
      'event: message_start\n' + sse([{ type: 'message_start', message: { model: 'claude-x', usage: { input_tokens: 5, cache_read_input_tokens: 100, output_tokens: 1 } } }]) +
      'event: content_block_delta\n' + sse([{ type: 'content_block_delta', delta: { type: 'text_delta', text: 'hi' } }]) +
      'event: message_delta\n' + sse([{ type: 'message_delta', usage: { output_tokens: 9 } }]);
    expect(scan(true, text)).toEqual({ inputTokens: 105, outputTokens: 9, model: 'claude-x' });
  });

  it('reads a Gemini stream and a whole JSON answer', () => {
    const chunk = (text: string, usageMetadata?: object) => ({ candidates: [{ content: { parts: [{ text }] } }], modelVersion: 'gemini-2.5-flash', ...(usageMetadata && { usageMetadata }) });
    expect(scan(true, sse([chunk('a'), chunk('b', { promptTokenCount: 3, candidatesTokenCount: 4, thoughtsTokenCount: 2 })]))).toEqual({ inputTokens: 3, outputTokens: 6, model: 'gemini-2.5-flash' });
    expect(scan(false, JSON.stringify({ model: 'gpt-4o', usage: { prompt_tokens: 1, completion_tokens: 2 } }))).toEqual({ inputTokens: 1, outputTokens: 2, model: 'gpt-4o' });
  });

  it('ignores counts that are not whole non-negative numbers, and reports none when none is left', () => {
    const text = sse([{ model: 'm', usage: { prompt_tokens: '999999', completion_tokens: -5 } }, { model: 'm', usage: { input_tokens: 1.5, output_tokens: null } }]);
    expect(scan(true, text)).toBeUndefined();
    expect(scan(true, sse([{ model: 'm', usage: { prompt_tokens: 3, completion_tokens: 1e300 } }]))).toEqual({ inputTokens: 3, outputTokens: 0, model: 'm' });
  });
});
