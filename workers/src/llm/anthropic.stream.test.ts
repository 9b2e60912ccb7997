/** The Anthropic adapter against the fake provider: top-level system, headers, text and tool_use blocks, cumulative usage, error events. */
import { describe, expect, it } from 'vitest';
import { createAnthropicProvider } from './anthropic.ts';
import { ask, drain, fakeProviders, textOf } from './test-helpers.ts';
import { collect } from './types.ts';

const fake = fakeProviders();
const KEY = 'sk-ant-test-0123456789';
const MODEL = 'claude-sonnet-4-20250514';

describe('Anthropic adapter', () => {
  it('sends the system prompt as top-level system with x-api-key and anthropic-version', async () => {
    const f = await fake();
    await collect(createAnthropicProvider({ baseUrl: f.url, apiKey: KEY }).stream(ask('hi', MODEL)));
    const sent = f.requests[0]!;
    expect(sent.headers['x-api-key']).toBe(KEY);
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent.body).toEqual({
      model: MODEL, system: 'Be brief.', stream: true, max_tokens: 4096,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    });
  });

  it('streams text, assembles tool_use input from input_json_delta pieces, and reports cumulative usage', async () => {
    const f = await fake({
      queue: [{
        text: ['I will ', 'check.'],
        toolCalls: [{ id: 'toolu_1', name: 'grep', arguments: '{"pattern":"TODO","path":"src"}', chunks: ['{"pat', 'tern":"TO', 'DO","path":"src"}'] }, { name: 'ls', arguments: '' }],
        usage: { inputTokens: 120, outputTokens: 42 },
      }],
    });
    const { events } = await drain(createAnthropicProvider({ baseUrl: f.url, apiKey: KEY }).stream(ask('find todos', MODEL)));
    expect(events).toEqual([
      { type: 'text', text: 'I will ' },
      { type: 'text', text: 'check.' },
      { type: 'tool_call', id: 'toolu_1', name: 'grep', arguments: '{"pattern":"TODO","path":"src"}' },
      { type: 'tool_call', id: 'toolu_fake1', name: 'ls', arguments: '{}' },
      { type: 'usage', inputTokens: 120, outputTokens: 42 },
      { type: 'done', finishReason: 'tool_calls' },
    ]);
  });

  it('turns tool calls and results into tool_use and tool_result blocks with alternating roles', async () => {
    const f = await fake();
    await collect(createAnthropicProvider({ baseUrl: f.url, apiKey: KEY }).stream({
      model: MODEL,
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: 'ok', toolCalls: [{ id: 'a', name: 'x', arguments: '{"n":1}' }, { id: 'b', name: 'y', arguments: '{}' }] },
        { role: 'tool', toolCallId: 'a', content: 'A' },
        { role: 'tool', toolCallId: 'b', content: 'B' },
      ],
      tools: [{ name: 'x', description: 'does x', parameters: { type: 'object' } }],
    }));
    const body = f.requests[0]!.body as { messages: unknown[]; tools: unknown[] };
    expect(body.messages.slice(1)).toEqual([
      { role: 'assistant', content: [{ type: 'text', text: 'ok' }, { type: 'tool_use', id: 'a', name: 'x', input: { n: 1 } }, { type: 'tool_use', id: 'b', name: 'y', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', content: 'A' }, { type: 'tool_result', tool_use_id: 'b', content: 'B' }] },
    ]);
    expect(body.tools).toEqual([{ name: 'x', description: 'does x', input_schema: { type: 'object' } }]);
  });

  it('fails with E_PROVIDER_UNAVAILABLE on an overloaded_error event, keeping the text before it', async () => {
    const f = await fake({ queue: [{ text: ['par', 'tial', ' answer'], errorAfterChunks: 2, errorMessage: 'Overloaded' }] });
    const { events, error } = await drain(createAnthropicProvider({ baseUrl: f.url, apiKey: KEY }).stream(ask('hi', MODEL)));
    expect(textOf(events)).toBe('partial');
    expect(error).toMatchObject({ code: 'E_PROVIDER_UNAVAILABLE', provider: 'anthropic' });
    expect((error as Error).message).toMatch(/overloaded_error.*Overloaded/);
  });

  it('reads a non-streaming message as the same events', async () => {
    const f = await fake({ queue: [{ text: ['Done.'], toolCalls: [{ id: 't', name: 'n', arguments: '{"a":[1]}' }], usage: { inputTokens: 9, outputTokens: 4 } }] });
    const answer = await collect(createAnthropicProvider({ baseUrl: f.url, apiKey: KEY }).stream({ ...ask('hi', MODEL), stream: false }));
    expect(answer).toMatchObject({ text: 'Done.', toolCalls: [{ id: 't', name: 'n', arguments: '{"a":[1]}' }], usage: { inputTokens: 9, outputTokens: 4 }, finishReason: 'tool_calls' });
  });
});
