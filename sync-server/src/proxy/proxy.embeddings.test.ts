/**
 * Embeddings through the proxy: OpenAI-style POST /v1/proxy/embeddings and Gemini's embedContent
 * and batchEmbedContents are forwarded with the caller's key, counted against the daily tokens
 * like chat (from the reported usage, else estimated from the request alone) and limited like chat.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../testing/wait.ts';
import { replyJson } from './fake-upstream.ts';
import { proxyHarness } from './harness.ts';

const h = proxyHarness();
const KEY = 'sk-SECRET-embed-0123456789';
const vector = Array.from({ length: 1536 }, (_, i) => Math.sin(i) / 7);

describe('LLM proxy: embeddings', () => {
  it('forwards OpenAI-style embeddings and counts their prompt tokens', async () => {
    const up = await h.upstream((_r, res) => replyJson(res, 200, { object: 'list', data: [{ object: 'embedding', index: 0, embedding: vector }], model: 'text-embedding-3-small', usage: { prompt_tokens: 8, total_tokens: 8 } }));
    const p = await h.proxy({ upstreams: { openai: `${up.url}/v1` } }, { estimateCost: (_m, u) => u.inputTokens + u.outputTokens });
    const body = JSON.stringify({ model: 'text-embedding-3-small', input: 'the quick brown fox' });
    const res = await p.post('/v1/proxy/embeddings', body, { 'content-type': 'application/json', authorization: `Bearer ${KEY}` });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { embedding: number[] }[] }).data[0]!.embedding).toHaveLength(1536);
    expect(up.requests[0]!.path).toBe('/v1/embeddings');
    expect(up.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(up.requests[0]!.body.toString()).toBe(body);
    await waitFor(() => p.usage[0], 'the usage record');
    expect(p.usage[0]).toMatchObject({ provider: 'openai', model: 'text-embedding-3-small', inputTokens: 8, outputTokens: 0, costUsd: 8, estimated: false });
    expect(JSON.stringify(p.logs) + JSON.stringify(p.usage)).not.toContain('SECRET');
  });

  it('forwards Gemini embedContent and batchEmbedContents, estimating tokens from the request when no usage comes back', async () => {
    const up = await h.upstream((r, res) => replyJson(res, 200, r.path.endsWith(':batchEmbedContents') ? { embeddings: [{ values: vector }, { values: vector }] } : { embedding: { values: vector } }));
    const p = await h.proxy({ upstreams: { gemini: up.url } });
    const one = JSON.stringify({ model: 'models/text-embedding-004', content: { parts: [{ text: 'x'.repeat(400) }] } });
    const res = await p.post('/v1/proxy/gemini/v1beta/models/text-embedding-004:embedContent', one, { 'x-goog-api-key': 'AIza-embed' });
    expect(res.status).toBe(200);
    const batch = JSON.stringify({ requests: [{ model: 'models/text-embedding-004', content: { parts: [{ text: 'a' }] } }] });
    expect((await p.post('/v1/proxy/gemini/v1beta/models/text-embedding-004:batchEmbedContents', batch, { 'x-goog-api-key': 'AIza-embed' })).status).toBe(200);
    expect(up.requests.map((r) => [r.path, r.headers['x-goog-api-key']])).toEqual([
      ['/v1beta/models/text-embedding-004:embedContent', 'AIza-embed'],
      ['/v1beta/models/text-embedding-004:batchEmbedContents', 'AIza-embed'],
    ]);
    await waitFor(() => p.usage.length === 2, 'both usage records');
    // About four bytes a token of what was sent; the vectors that came back are not generated tokens.
    expect(p.usage.map((u) => [u.model, u.inputTokens, u.outputTokens, u.estimated])).toEqual([
      ['text-embedding-004', Math.ceil(one.length / 4), 0, true],
      ['text-embedding-004', Math.ceil(batch.length / 4), 0, true],
    ]);
  });

  it('counts embeddings against the daily token quota and the request rate, like chat', async () => {
    const up = await h.upstream((_r, res) => replyJson(res, 200, { object: 'list', data: [], model: 'e', usage: { prompt_tokens: 60, total_tokens: 60 } }));
    const p = await h.proxy({ upstreams: { openai: up.url }, dailyTokenQuota: 100, burst: 10 });
    const send = () => p.post('/v1/proxy/embeddings', '{"model":"e","input":"x"}', { authorization: `Bearer ${KEY}` });
    expect((await send()).status).toBe(200);
    await waitFor(() => p.usage.length === 1, 'the first usage record');
    expect((await send()).status).toBe(200);
    await waitFor(() => p.usage.length === 2, 'the second usage record');
    const over = await send();
    expect(over.status).toBe(429);
    expect(((await over.json()) as { error: { code: string } }).error.code).toBe('E_QUOTA');
    expect(up.requests).toHaveLength(2);

    const q = await h.proxy({ upstreams: { openai: up.url }, burst: 1, requestsPerMinute: 1 });
    const again = () => q.post('/v1/proxy/embeddings', '{"model":"e","input":"x"}', { authorization: `Bearer ${KEY}` });
    expect((await again()).status).toBe(200);
    const limited = await again();
    expect([limited.status, ((await limited.json()) as { error: { code: string } }).error.code]).toEqual([429, 'E_PROXY_RATE_LIMITED']);
  });

  it('forwards no query on the embeddings route', async () => {
    const up = await h.upstream((_r, res) => replyJson(res, 200, {}));
    const p = await h.proxy({ upstreams: { openai: up.url } });
    const res = await p.post('/v1/proxy/embeddings?api-version=1', '{"model":"e","input":"x"}', { authorization: `Bearer ${KEY}` });
    expect(res.status).toBe(400);
    expect(up.requests).toEqual([]);
  });
});
