/** The OpenAI-compatible adapter against the fake provider: text, usage, tool-call assembly by index, JSON answers, errors mid-stream and over HTTP. */
import { describe, expect, it } from 'vitest';
import { createOpenAiProvider, openAiAssembler } from './openai.ts';
import { ask, drain, fakeProviders, textOf } from './test-helpers.ts';
import { collect } from './types.ts';

const fake = fakeProviders();
const KEY = 'sk-test-0123456789abcdef';

describe('OpenAI-compatible adapter', () => {
  it('streams text deltas, then usage from the include_usage chunk, then done', async () => {
    const f = await fake({ queue: [{ text: ['Hel', 'lo', '!'], usage: { inputTokens: 11, outputTokens: 3 } }] });
    const llm = createOpenAiProvider({ baseUrl: `${f.url}/v1`, apiKey: KEY });
    const { events } = await drain(llm.stream(ask('hi')));
    expect(events).toEqual([
      { type: 'text', text: 'Hel' }, { type: 'text', text: 'lo' }, { type: 'text', text: '!' },
      { type: 'usage', inputTokens: 11, outputTokens: 3 },
      { type: 'done', finishReason: 'stop' },
    ]);
    const sent = f.requests[0]!;
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent.body).toMatchObject({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'system' }, { role: 'user', content: 'hi' }] });
  });

  it('assembles interleaved tool-call fragments by index into whole calls', async () => {
    const f = await fake({
      queue: [{
        text: ['Looking.'],
        interleaveToolCalls: true,
        toolCalls: [
          { id: 'call_a', name: 'read_file', arguments: '{"path":"src/a.ts","lines":[1,20]}', chunks: ['{"pa', 'th":"src/a', '.ts","lines":[1,', '20]}'] },
          { id: 'call_b', name: 'list_dir', arguments: '{"dir":"."}' },
        ],
      }],
    });
    const llm = createOpenAiProvider({ baseUrl: `${f.url}/v1`, apiKey: KEY });
    const answer = await collect(llm.stream({ ...ask('look'), tools: [{ name: 'read_file', parameters: { type: 'object' } }, { name: 'list_dir', parameters: { type: 'object' } }] }));
    expect(answer.text).toBe('Looking.');
    expect(answer.toolCalls).toEqual([
      { id: 'call_a', name: 'read_file', arguments: '{"path":"src/a.ts","lines":[1,20]}' },
      { id: 'call_b', name: 'list_dir', arguments: '{"dir":"."}' },
    ]);
    expect(answer.finishReason).toBe('tool_calls');
    expect(f.requests[0]!.body).toMatchObject({ tools: [{ type: 'function', function: { name: 'read_file' } }, { type: 'function', function: { name: 'list_dir' } }] });
  });

  it('sends tool results back as tool messages after the assistant tool_calls', async () => {
    const f = await fake();
    const llm = createOpenAiProvider({ baseUrl: `${f.url}/v1`, apiKey: KEY });
    await collect(llm.stream({
      model: 'gpt-4o',
      messages: [
        { role: 'user', content: 'read it' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'read', arguments: '{"p":1}' }] },
        { role: 'tool', toolCallId: 'c1', content: 'file text' },
      ],
    }));
    expect((f.requests[0]!.body as { messages: unknown[] }).messages.slice(1)).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'read', arguments: '{"p":1}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'file text' },
    ]);
  });

  it('reads a non-streaming JSON answer as the same events', async () => {
    const f = await fake({ queue: [{ text: ['Whole', ' answer'], toolCalls: [{ id: 'c', name: 't', arguments: '{}' }], usage: { inputTokens: 5, outputTokens: 2 } }] });
    const llm = createOpenAiProvider({ baseUrl: `${f.url}/v1`, apiKey: KEY });
    const answer = await collect(llm.stream({ ...ask('hi'), stream: false }));
    expect(answer).toMatchObject({ text: 'Whole answer', toolCalls: [{ id: 'c', name: 't', arguments: '{}' }], usage: { inputTokens: 5, outputTokens: 2 }, finishReason: 'tool_calls' });
    expect(f.requests[0]!.body).not.toHaveProperty('stream_options');
  });

  it('keeps the text before an error event and fails with a stable code', async () => {
    const f = await fake({ queue: [{ text: ['one ', 'two ', 'three'], errorAfterChunks: 2, errorMessage: 'The server had an error' }] });
    const llm = createOpenAiProvider({ baseUrl: `${f.url}/v1`, apiKey: KEY });
    const { events, error } = await drain(llm.stream(ask('hi')));
    expect(textOf(events)).toBe('one two ');
    expect(error).toMatchObject({ code: 'E_PROVIDER_UNAVAILABLE', provider: 'openai' });
    expect(String((error as Error).message)).toContain('The server had an error');
  });

  it('fails on a stream that ends without finish_reason or [DONE], and not on one that has either', () => {
    const cut = openAiAssembler('openai');
    cut.push({ choices: [{ delta: { content: 'partial' } }] });
    expect(() => cut.end(false)).toThrow(expect.objectContaining({ code: 'E_PROVIDER_STREAM' }));
    const finished = openAiAssembler('openai');
    finished.push({ choices: [{ delta: {}, finish_reason: 'length' }] });
    expect(finished.end(false)).toEqual([{ type: 'done', finishReason: 'length' }]);
    expect(openAiAssembler('openai').end(true)).toEqual([{ type: 'done', finishReason: 'stop' }]);
  });

  it('maps HTTP failures to codes and never shows the key, even when the provider echoes it', async () => {
    const f = await fake({ apiKey: 'sk-the-right-one-000000' });
    const llm = createOpenAiProvider({ id: 'groq', baseUrl: `${f.url}/v1`, apiKey: KEY });
    const { error } = await drain(llm.stream(ask('hi')));
    expect(error).toMatchObject({ code: 'E_PROVIDER_AUTH', status: 401, provider: 'groq' });
    const message = String((error as Error).message);
    expect(message).toContain('Incorrect API key provided');
    expect(message).not.toContain(KEY);
    expect(message).not.toContain('0123456789abcdef');
  });

  it('maps 400 to E_PROVIDER_HTTP and an unreachable server to E_PROVIDER_UNAVAILABLE', async () => {
    const f = await fake({ queue: [{ failWith: { status: 400, message: 'model not found' } }] });
    const bad = await drain(createOpenAiProvider({ baseUrl: `${f.url}/v1`, apiKey: KEY }).stream(ask('hi')));
    expect(bad.error).toMatchObject({ code: 'E_PROVIDER_HTTP', status: 400 });
    const port = f.port;
    await f.close();
    const gone = await drain(createOpenAiProvider({ baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: KEY }).stream(ask('hi')));
    expect(gone.error).toMatchObject({ code: 'E_PROVIDER_UNAVAILABLE' });
  });
});
