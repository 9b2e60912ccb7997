/** Streaming passthrough: the client gets the upstream's bytes exactly; the key goes upstream only, never into logs or usage records; usage is metered. */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../testing/wait.ts';
import { replyJson, replySse } from './fake-upstream.ts';
import { proxyHarness, type ProxyUnderTest } from './harness.ts';

const h = proxyHarness();
const KEY = 'sk-proj-SECRET0123456789abcdefXYZ';
const ANT_KEY = 'sk-ant-api03-SECRETabcdef0123456789';

const chunk = (o: unknown): string => `data: ${JSON.stringify(o)}\n\n`;
const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini' };
/** Split in awkward places: inside a line, inside a UTF-8 sequence, a comment, CRLF. */
function openAiStream(): Uint8Array[] {
  const text = [
    chunk({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }),
    ': keep-alive\r\n\r\n',
    chunk({ ...base, choices: [{ index: 0, delta: { content: 'Grüße 🎉' }, finish_reason: null }] }),
    chunk({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
    chunk({ ...base, choices: [], usage: { prompt_tokens: 21, completion_tokens: 4, total_tokens: 25 } }),
    'data: [DONE]\n\n',
  ].join('');
  const bytes = Buffer.from(text);
  const emoji = bytes.indexOf(Buffer.from('🎉'));
  const cuts = [17, emoji + 2, emoji + 3, bytes.length - 9];
  return [0, ...cuts].map((from, i) => new Uint8Array(bytes.subarray(from, [...cuts, bytes.length][i])));
}

const post = (p: ProxyUnderTest, path: string, body: unknown, headers: Record<string, string>) =>
  p.post(path, JSON.stringify(body), { 'content-type': 'application/json', ...headers });

describe('LLM proxy streaming', () => {
  it('relays an OpenAI stream byte for byte, forwards only the key, and meters usage with the cost', async () => {
    const sent = openAiStream();
    const up = await h.upstream((_r, res) => replySse(res, sent, { 'x-request-id': 'req_1', 'set-cookie': 'a=b' }));
    const p = await h.proxy({ upstreams: { openai: `${up.url}/v1` } }, { estimateCost: (_m, u) => (u.inputTokens + u.outputTokens) / 1e6 });
    const body = { model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] };
    const res = await post(p, '/v1/proxy/chat/completions', body, { authorization: `Bearer ${KEY}`, 'x-tendril-user': 'dev-1', cookie: 'session=1', origin: 'https://evil.example' });
    const got = Buffer.from(await res.arrayBuffer());
    expect(got.equals(Buffer.concat(sent))).toBe(true);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('x-request-id')).toBe('req_1');
    expect(res.headers.get('set-cookie')).toBeNull();

    const [r] = up.requests;
    expect(r!.path).toBe('/v1/chat/completions');
    expect(r!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(r!.headers.cookie).toBeUndefined();
    expect(r!.headers.origin).toBeUndefined();
    expect(r!.headers['x-tendril-user']).toBeUndefined();
    expect(r!.body.toString()).toBe(JSON.stringify(body));

    await waitFor(() => p.usage.length === 1, 'the usage record');
    expect(p.usage[0]).toEqual({ workspace: p.admin.workspace, device: p.admin.key.id, provider: 'openai', model: 'gpt-4o-mini', inputTokens: 21, outputTokens: 4, costUsd: 25e-6, estimated: false, at: p.clock.now() });
    const everything = JSON.stringify(p.logs) + JSON.stringify(p.usage);
    expect(everything).not.toContain(KEY);
    expect(everything).not.toContain('SECRET');
    expect(p.logs.some((l) => l.includes('proxy.usage'))).toBe(true);
  });

  it('asks an OpenAI-style upstream for usage when a streaming request did not', async () => {
    const up = await h.upstream((_r, res) => replySse(res, ['data: [DONE]\n\n']));
    const p = await h.proxy({ upstreams: { openai: up.url } });
    await (await post(p, '/v1/proxy/chat/completions', { model: 'm', stream: true, messages: [] }, { authorization: `Bearer ${KEY}` })).arrayBuffer();
    expect(JSON.parse(up.requests[0]!.body.toString())).toEqual({ model: 'm', stream: true, messages: [], stream_options: { include_usage: true } });
  });

  it('relays an Anthropic stream with x-api-key and version headers, counting usage from message_start and message_delta', async () => {
    const events = [
      'event: message_start\ndata: {"type":"message_start","message":{"model":"claude-sonnet-4","usage":{"input_tokens":30,"output_tokens":1}}}\n\n',
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}\n\n',
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":12}}\n\n',
      'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    ];
    const up = await h.upstream((_r, res) => replySse(res, events));
    const p = await h.proxy({ upstreams: { anthropic: up.url } });
    const res = await post(p, '/v1/proxy/messages', { model: 'claude-sonnet-4', stream: true, max_tokens: 10, messages: [] }, { 'x-api-key': ANT_KEY, 'anthropic-version': '2023-06-01', 'anthropic-beta': 'b1' });
    expect(await res.text()).toBe(events.join(''));
    const [r] = up.requests;
    expect(r!.path).toBe('/v1/messages');
    expect([r!.headers['x-api-key'], r!.headers['anthropic-version'], r!.headers['anthropic-beta'], r!.headers.authorization]).toEqual([ANT_KEY, '2023-06-01', 'b1', undefined]);
    await waitFor(() => p.usage[0], 'the usage record');
    expect(p.usage[0]).toMatchObject({ provider: 'anthropic', inputTokens: 30, outputTokens: 12, costUsd: null, device: p.admin.key.id });
    expect(JSON.stringify(p.logs) + JSON.stringify(p.usage)).not.toContain('SECRET');
  });

  it('passes upstream errors through with their status, body and Retry-After', async () => {
    const errorBody = { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } };
    const up = await h.upstream((_r, res) => replyJson(res, 429, errorBody, { 'retry-after': '7' }));
    const p = await h.proxy({ upstreams: { openai: up.url } });
    const res = await post(p, '/v1/proxy/chat/completions', { model: 'm', messages: [] }, { authorization: `Bearer ${KEY}` });
    expect([res.status, res.headers.get('retry-after')]).toEqual([429, '7']);
    expect(await res.json()).toEqual(errorBody);
    expect(p.usage).toEqual([]);
  });

  it('meters a non-streaming JSON answer', async () => {
    const up = await h.upstream((_r, res) => replyJson(res, 200, { object: 'chat.completion', model: 'gpt-4o', choices: [], usage: { prompt_tokens: 5, completion_tokens: 6 } }));
    const p = await h.proxy({ upstreams: { openai: up.url } });
    await (await post(p, '/v1/proxy/chat/completions', { model: 'gpt-4o', messages: [] }, { authorization: `Bearer ${KEY}` })).json();
    await waitFor(() => p.usage[0], 'the usage record');
    expect(p.usage[0]).toMatchObject({ inputTokens: 5, outputTokens: 6, estimated: false });
  });

  it('cuts the upstream request when the client goes away mid-stream', async () => {
    const up = await h.upstream(async (_r, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; !res.destroyed; i++) {
        await new Promise<void>((resolve) => res.write(`data: {"n":${i}}\n\n`, () => resolve()));
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    });
    const p = await h.proxy({ upstreams: { openai: up.url } });
    const controller = new AbortController();
    const path = '/v1/proxy/chat/completions';
    const res = await fetch(`${p.url}${path}`, { method: 'POST', headers: { ...p.proof(p.admin, path, '{"stream":true}'), authorization: `Bearer ${KEY}` }, body: '{"stream":true}', signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    expect(await up.requests[0]!.closed).toBe('aborted');
  });
});
