/** Attached images in each provider's own request format: OpenAI image_url parts, Anthropic image blocks, Gemini inlineData. */
import { describe, expect, it } from 'vitest';
import { openAiBody } from './openai-wire.ts';
import { anthropicBody } from './anthropic-wire.ts';
import { geminiBody } from './gemini-wire.ts';
import type { LlmRequest } from './types.ts';

const png = { mime: 'image/png', base64: 'iVBORw0KGgo=' };
const jpeg = { mime: 'image/jpeg', base64: '/9j/4AAQ' };
const request: LlmRequest = {
  model: 'm',
  messages: [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: 'what is this?', images: [png, jpeg] },
    { role: 'assistant', content: 'a cat' },
    { role: 'user', content: 'thanks' },
  ],
};

describe('images in request bodies', () => {
  it('OpenAI: a content array with the text and image_url parts holding data URLs', () => {
    const messages = openAiBody(request, true).messages as unknown[];
    expect(messages[1]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'what is this?' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
      ],
    });
    expect(messages[3]).toEqual({ role: 'user', content: 'thanks' });
  });

  it('Anthropic: base64 image blocks before the text block', () => {
    const messages = anthropicBody(request).messages as { content: unknown[] }[];
    expect(messages[0]!.content).toEqual([
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
      { type: 'text', text: 'what is this?' },
    ]);
    expect(messages[2]!.content).toEqual([{ type: 'text', text: 'thanks' }]);
  });

  it('Gemini: a text part, then inlineData parts', () => {
    const contents = geminiBody(request).contents as { role: string; parts: unknown[] }[];
    expect(contents[0]).toEqual({
      role: 'user',
      parts: [{ text: 'what is this?' }, { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } }, { inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQ' } }],
    });
    expect(contents[2]).toEqual({ role: 'user', parts: [{ text: 'thanks' }] });
  });
});
