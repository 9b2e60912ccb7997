/** The fake provider speaks the OpenAI streaming format faithfully: shared id, role first, tool fragments by index, finish, usage chunk, comments, [DONE]. */
import { afterEach, describe, expect, it } from 'vitest';
import { postJson } from './frames.ts';
import { startFakeProvider, type FakeProvider } from './server.ts';
import { scenarioMarker } from './scenario.ts';

let fake: FakeProvider | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const auth = { authorization: 'Bearer sk-test' };
const ask = (text: string, extra: Record<string, unknown> = {}) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }], ...extra });

interface Chunk {
  id: string;
  object: string;
  model: string;
  choices: { delta: { role?: string; content?: string; tool_calls?: { index: number; id?: string; type?: string; function: { name?: string; arguments?: string } }[] }; finish_reason: string | null }[];
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
}

describe('fake provider: OpenAI chat completions', () => {
  it('streams chunks sharing one id, role first, content, finish_reason, a usage chunk, a comment and [DONE]', async () => {
    fake = await startFakeProvider({ queue: [{ text: ['Hi', ' there'], usage: { inputTokens: 7, outputTokens: 2 } }] });
    const res = await postJson(`${fake.url}/v1/chat/completions`, ask('hello', { stream: true, stream_options: { include_usage: true } }), auth);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.frames.some((f) => f.comment && f.data === '')).toBe(true);
    expect(res.frames.at(-1)!.data).toBe('[DONE]');
    const chunks = res.frames.filter((f) => f.json !== undefined).map((f) => f.json as Chunk);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'gpt-4o-mini')).toBe(true);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? '')).join('')).toBe('Hi there');
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 });
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop');
  });

  it('sends no usage chunk unless include_usage is asked for', async () => {
    fake = await startFakeProvider();
    const res = await postJson(`${fake.url}/v1/chat/completions`, ask('hello', { stream: true }), auth);
    const chunks = res.frames.filter((f) => f.json !== undefined).map((f) => f.json as Chunk);
    expect(chunks.every((c) => c.choices.length === 1 && c.usage === undefined)).toBe(true);
  });

  it('streams tool calls: id, type and name on the first fragment of an index, then argument pieces only', async () => {
    fake = await startFakeProvider({
      scenarios: { tools: { toolCalls: [{ name: 'read', arguments: '{"path":"a.txt"}' }, { id: 'call_b', name: 'list', arguments: '{"dir":"."}' }], interleaveToolCalls: true } },
    });
    const res = await postJson(`${fake.url}/v1/chat/completions`, ask(`do it ${scenarioMarker('tools')}`, { stream: true }), auth);
    const fragments = res.frames
      .filter((f) => f.json !== undefined)
      .flatMap((f) => (f.json as Chunk).choices.flatMap((c) => c.delta.tool_calls ?? []));
    const byIndex = (i: number) => fragments.filter((f) => f.index === i);
    for (const i of [0, 1]) {
      const [first, ...rest] = byIndex(i);
      expect(first).toMatchObject({ type: 'function', function: { arguments: '' } });
      expect(first!.id).toBeTruthy();
      expect(rest.every((f) => f.id === undefined && f.function.name === undefined)).toBe(true);
    }
    expect(fragments[0]!.index).toBe(0);
    expect(fragments[1]!.index).toBe(1);
    expect(byIndex(0).map((f) => f.function.arguments).join('')).toBe('{"path":"a.txt"}');
    expect(byIndex(1)[0]!.id).toBe('call_b');
    const finish = res.frames.map((f) => f.json as Chunk | undefined).find((c) => c?.choices[0]?.finish_reason);
    expect(finish!.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('answers non-streaming requests with one chat.completion and records the auth header', async () => {
    fake = await startFakeProvider({ queue: [{ text: ['a', 'b'], usage: { inputTokens: 3, outputTokens: 2 } }] });
    const res = await postJson(`${fake.url}/v1/chat/completions`, ask('hi'), auth);
    expect(JSON.parse(res.text)).toMatchObject({
      object: 'chat.completion',
      choices: [{ message: { role: 'assistant', content: 'ab' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer sk-test');
  });

  it('refuses a missing or wrong key with 401 in the OpenAI error shape', async () => {
    fake = await startFakeProvider({ apiKey: 'sk-right' });
    const missing = await postJson(`${fake.url}/v1/chat/completions`, ask('hi'));
    expect(missing.status).toBe(401);
    const wrong = await postJson(`${fake.url}/v1/chat/completions`, ask('hi'), { authorization: 'Bearer sk-wrong' });
    expect(JSON.parse(wrong.text)).toMatchObject({ error: { code: 'invalid_api_key', type: 'invalid_request_error' } });
  });
});
