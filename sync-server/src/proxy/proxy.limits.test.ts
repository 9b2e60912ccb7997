/** Refusals with stable codes: rate limit and daily quota (429 + Retry-After), kill switch (503), body cap (413), missing key (401), paths not owned. */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../testing/wait.ts';
import { replyJson } from './fake-upstream.ts';
import { proxyHarness } from './harness.ts';

const h = proxyHarness();
const answer = (tokens: number) => (_r: unknown, res: import('node:http').ServerResponse) =>
  replyJson(res, 200, { model: 'gpt-4o', usage: { prompt_tokens: tokens, completion_tokens: tokens } });

const call = async (url: string, headers: Record<string, string> = { authorization: 'Bearer sk-a' }, body = '{"model":"gpt-4o"}') => {
  const res = await fetch(`${url}/v1/proxy/chat/completions`, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), json: text.startsWith('{') ? (JSON.parse(text) as { error?: { code?: string; message?: string } }) : undefined };
};

describe('LLM proxy limits', () => {
  it('limits requests per user with a token bucket and says when to come back', async () => {
    const up = await h.upstream(answer(1));
    const p = await h.proxy({ upstreams: { openai: up.url }, requestsPerMinute: 6, burst: 2 });
    expect((await call(p.url)).status).toBe(200);
    expect((await call(p.url)).status).toBe(200);
    const limited = await call(p.url);
    expect([limited.status, limited.json?.error?.code, limited.retryAfter]).toEqual([429, 'E_PROXY_RATE_LIMITED', '10']);
    expect((await call(p.url, { authorization: 'Bearer sk-other-key' })).status).toBe(200);
    expect((await call(p.url, { authorization: 'Bearer sk-a', 'x-tendril-user': 'someone' })).status).toBe(200);
    p.clock.advance(10_000);
    expect((await call(p.url)).status).toBe(200);
    expect(up.requests).toHaveLength(5);
  });

  it('refuses a user whose daily token quota is used up until the next UTC day', async () => {
    const up = await h.upstream(answer(60));
    const p = await h.proxy({ upstreams: { openai: up.url }, dailyTokenQuota: 100 });
    const headers = { authorization: 'Bearer sk-a', 'x-tendril-user': 'u1' };
    expect((await call(p.url, headers)).status).toBe(200);
    await waitFor(() => p.usage.length === 1, 'the first answer metered');
    const refused = await call(p.url, headers);
    expect([refused.status, refused.json?.error?.code]).toEqual([429, 'E_QUOTA']);
    const midnight = Math.ceil(p.clock.now() / 86_400_000) * 86_400_000;
    expect(Number(refused.retryAfter)).toBe(Math.ceil((midnight - p.clock.now()) / 1000));
    expect((await call(p.url, { ...headers, 'x-tendril-user': 'u2' })).status).toBe(200);
    p.clock.advance(midnight - p.clock.now());
    expect((await call(p.url, headers)).status).toBe(200);
    expect(up.requests).toHaveLength(3);
  });

  it('answers 503 E_PROXY_DISABLED for a provider switched off by config, at run time, or without an upstream', async () => {
    const up = await h.upstream(answer(1));
    let killed = false;
    const p = await h.proxy({ upstreams: { openai: up.url }, disabled: ['anthropic'] }, { isDisabled: (provider) => killed && provider === 'openai' });
    const messages = await fetch(`${p.url}/v1/proxy/messages`, { method: 'POST', headers: { 'x-api-key': 'k' }, body: '{}' });
    expect([messages.status, ((await messages.json()) as { error: { code: string } }).error.code]).toEqual([503, 'E_PROXY_DISABLED']);
    expect((await call(p.url)).status).toBe(200);
    killed = true;
    expect((await call(p.url)).json?.error?.code).toBe('E_PROXY_DISABLED');
    const none = await h.proxy({ upstreams: {} });
    expect((await call(none.url)).status).toBe(503);
    expect(up.requests).toHaveLength(1);
  });

  it('refuses a body over the cap with 413, whether declared or streamed, and accepts one at the cap', async () => {
    const up = await h.upstream(answer(1));
    const p = await h.proxy({ upstreams: { openai: up.url } });
    const atCap = JSON.stringify({ model: 'm', pad: '' }).length;
    const exact = JSON.stringify({ model: 'm', pad: 'x'.repeat(128 * 1024 - atCap) });
    expect(Buffer.byteLength(exact)).toBe(128 * 1024);
    expect((await call(p.url, undefined, exact)).status).toBe(200);
    const over = await call(p.url, undefined, JSON.stringify({ model: 'm', pad: 'x'.repeat(128 * 1024) }));
    expect([over.status, over.json?.error?.code]).toEqual([413, 'E_BODY_TOO_LARGE']);

    const chunked = await new Promise<number>((resolve, reject) => {
      const req = request(`${p.url}/v1/proxy/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer sk-b', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 40; i++) req.write('x'.repeat(8 * 1024));
      req.end();
    });
    expect(chunked).toBe(413);

    const huge = await new Promise<[number, string | undefined]>((resolve, reject) => {
      const req = request(`${p.url}/v1/proxy/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer sk-c', 'content-length': String(10 << 20) } }, (res) => {
        res.resume();
        resolve([res.statusCode ?? 0, res.headers.connection]);
        req.destroy();
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(huge).toEqual([413, 'close']);
    expect(up.requests).toHaveLength(1);
  });

  it('answers 401 without a key, 400 for a body that is not JSON or a malformed user, and leaves other paths alone', async () => {
    const up = await h.upstream(answer(1));
    const p = await h.proxy({ upstreams: { openai: up.url } });
    expect((await call(p.url, {})).json?.error?.code).toBe('E_PROVIDER_AUTH');
    expect((await call(p.url, { authorization: 'Basic abc' })).status).toBe(401);
    expect((await call(p.url, undefined, 'not json')).json?.error?.code).toBe('E_BAD_INPUT');
    expect((await call(p.url, { authorization: 'Bearer k', 'x-tendril-user': 'a b' })).status).toBe(400);
    expect((await call(p.url, { authorization: 'Bearer sk-abcdef', 'x-tendril-user': 'me-sk-abcdef' })).status).toBe(400);
    expect((await fetch(`${p.url}/healthz`)).status).toBe(404);
    expect(p.fellThrough()).toBe(1);
    expect((await fetch(`${p.url}/v1/proxy/messages`)).status).toBe(405);
    expect(up.requests).toHaveLength(0);
  });
});
