/** The fake provider speaks the Anthropic Messages stream: named events, text and tool_use blocks, ping, cumulative usage, error events, header checks. */
import { afterEach, describe, expect, it } from 'vitest';
import { postJson } from './frames.ts';
import { startFakeProvider, type FakeProvider } from './server.ts';

let fake: FakeProvider | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const headers = { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' };
const body = { model: 'claude-sonnet-4-20250514', max_tokens: 100, stream: true, system: 'be brief', messages: [{ role: 'user', content: 'hi' }] };

describe('fake provider: Anthropic messages', () => {
  it('streams message_start, a text block, a tool_use block, ping, message_delta and message_stop', async () => {
    fake = await startFakeProvider({
      queue: [{ text: ['Sure', '.'], toolCalls: [{ name: 'read', arguments: '{"path":"x"}' }], usage: { inputTokens: 12, outputTokens: 9 } }],
    });
    const res = await postJson(`${fake.url}/v1/messages`, body, headers);
    expect(res.status).toBe(200);
    const events = res.frames.map((f) => f.event);
    expect(events[0]).toBe('message_start');
    expect(events).toContain('ping');
    expect(events.slice(-2)).toEqual(['message_delta', 'message_stop']);
    for (const f of res.frames) expect((f.json as { type: string }).type).toBe(f.event);
    const start = res.frames[0]!.json as { message: { usage: { input_tokens: number } } };
    expect(start.message.usage.input_tokens).toBe(12);
    const blocks = res.frames.filter((f) => f.event === 'content_block_start').map((f) => (f.json as { content_block: unknown }).content_block);
    expect(blocks).toEqual([{ type: 'text', text: '' }, { type: 'tool_use', id: 'toolu_fake0', name: 'read', input: {} }]);
    const deltas = res.frames.filter((f) => f.event === 'content_block_delta').map((f) => (f.json as { index: number; delta: Record<string, string> }));
    expect(deltas.filter((d) => d.delta.type === 'text_delta').map((d) => d.delta.text).join('')).toBe('Sure.');
    expect(deltas.filter((d) => d.index === 1).map((d) => d.delta.partial_json).join('')).toBe('{"path":"x"}');
    expect(res.frames.filter((f) => f.event === 'content_block_stop')).toHaveLength(2);
    expect(res.frames.at(-2)!.json).toMatchObject({ delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 9 } });
  });

  it('sends event: error with overloaded_error mid-stream', async () => {
    fake = await startFakeProvider({ queue: [{ text: ['a', 'b', 'c'], errorAfterChunks: 1, errorMessage: 'Overloaded' }] });
    const res = await postJson(`${fake.url}/v1/messages`, body, headers);
    expect(res.frames.at(-1)).toMatchObject({ event: 'error', json: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
    expect(res.frames.filter((f) => f.event === 'content_block_delta')).toHaveLength(1);
  });

  it('requires x-api-key and anthropic-version', async () => {
    fake = await startFakeProvider();
    expect((await postJson(`${fake.url}/v1/messages`, body, { 'anthropic-version': '2023-06-01' })).status).toBe(401);
    const noVersion = await postJson(`${fake.url}/v1/messages`, body, { 'x-api-key': 'k' });
    expect(noVersion.status).toBe(400);
    expect(JSON.parse(noVersion.text)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('answers 529 overloaded and 429 with Retry-After in the Anthropic error shape', async () => {
    fake = await startFakeProvider({ queue: [{ failWith: { status: 529 } }, { failWith: { status: 429, retryAfter: 3 } }] });
    const overloaded = await postJson(`${fake.url}/v1/messages`, body, headers);
    expect(overloaded.status).toBe(529);
    expect(JSON.parse(overloaded.text)).toMatchObject({ error: { type: 'overloaded_error' } });
    const limited = await postJson(`${fake.url}/v1/messages`, body, headers);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(JSON.parse(limited.text)).toMatchObject({ error: { type: 'rate_limit_error' } });
  });
});
