/**
 * Refusals with stable codes: rate limit, daily quota and requests in flight per device and per
 * workspace (429 + Retry-After, whatever headers the caller sets), kill switch (503), body cap (413),
 * missing key (401), paths not owned.
 */
import { request, type ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../testing/wait.ts';
import { replyJson } from './fake-upstream.ts';
import { proxyHarness, type ProxyUnderTest, type TestDevice } from './harness.ts';

const h = proxyHarness();
const PATH = '/v1/proxy/chat/completions';
const answer = (tokens: number) => (_r: unknown, res: ServerResponse) =>
  replyJson(res, 200, { model: 'gpt-4o', usage: { prompt_tokens: tokens, completion_tokens: tokens } });

const call = async (p: ProxyUnderTest, headers: Record<string, string> = { authorization: 'Bearer sk-a' }, body = '{"model":"gpt-4o"}', device?: TestDevice) => {
  const res = await p.post(PATH, body, headers, device);
  const text = await res.text();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), json: text.startsWith('{') ? (JSON.parse(text) as { error?: { code?: string; message?: string } }) : undefined };
};

describe('LLM proxy limits', () => {
  it('limits requests per device with a token bucket and says when to come back; another device has its own', async () => {
    const up = await h.upstream(answer(1));
    const p = await h.proxy({ upstreams: { openai: up.url }, requestsPerMinute: 6, burst: 2 });
    expect((await call(p)).status).toBe(200);
    expect((await call(p)).status).toBe(200);
    const limited = await call(p);
    expect([limited.status, limited.json?.error?.code, limited.retryAfter]).toEqual([429, 'E_PROXY_RATE_LIMITED', '10']);
    expect(limited.json?.error?.message).toContain('device');
    expect((await call(p, undefined, undefined, await p.member())).status).toBe(200);
    p.clock.advance(10_000);
    expect((await call(p)).status).toBe(200);
    expect(up.requests).toHaveLength(4);
  });

  it('does not let one device pass its limit by changing headers: 12 requests with 12 user headers and keys against a limit of 10', async () => {
    const up = await h.upstream(answer(1));
    const p = await h.proxy({ upstreams: { openai: up.url }, requestsPerMinute: 10, burst: 10 });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await call(p, { authorization: `Bearer sk-${i}`, 'x-tendril-user': `user-${i}`, 'x-forwarded-for': `10.0.0.${i}` })).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.slice(10)).toEqual([429, 429]);
    expect(up.requests).toHaveLength(10);
  });

  it('holds the workspace limit across its devices, and leaves other workspaces alone', async () => {
    const up = await h.upstream(answer(1));
    const p = await h.proxy({ upstreams: { openai: up.url }, requestsPerMinute: 2, burst: 2, workspaceRequestsPerMinute: 3, workspaceBurst: 3 });
    const [a, b] = [await p.member(), await p.member()];
    expect((await call(p, undefined, undefined, a)).status).toBe(200);
    expect((await call(p, undefined, undefined, a)).status).toBe(200);
    expect((await call(p, undefined, undefined, b)).status).toBe(200);
    const refused = await call(p, undefined, undefined, b);
    expect([refused.status, refused.json?.error?.code]).toEqual([429, 'E_PROXY_RATE_LIMITED']);
    expect(refused.json?.error?.message).toContain('workspace');
    expect((await call(p, undefined, undefined, await p.member())).status).toBe(429);
    expect((await call(p, undefined, undefined, await p.workspace())).status).toBe(200);
    expect(up.requests).toHaveLength(4);
  });

  it('refuses a device whose daily token quota is used up until the next UTC day, and counts the workspace too', async () => {
    const up = await h.upstream(answer(60));
    const p = await h.proxy({ upstreams: { openai: up.url }, dailyTokenQuota: 100, workspaceDailyTokenQuota: 200 });
    expect((await call(p)).status).toBe(200);
    await waitFor(() => p.usage.length === 1, 'the first answer metered');
    const refused = await call(p);
    expect([refused.status, refused.json?.error?.code]).toEqual([429, 'E_QUOTA']);
    const midnight = Math.ceil(p.clock.now() / 86_400_000) * 86_400_000;
    expect(Number(refused.retryAfter)).toBe(Math.ceil((midnight - p.clock.now()) / 1000));
    const other = await p.member();
    expect((await call(p, undefined, undefined, other)).status).toBe(200);
    await waitFor(() => p.usage.length === 2, 'the second answer metered');
    const workspaceFull = await call(p, undefined, undefined, await p.member());
    expect([workspaceFull.status, workspaceFull.json?.error?.code]).toEqual([429, 'E_QUOTA']);
    p.clock.advance(midnight - p.clock.now());
    expect((await call(p)).status).toBe(200);
    expect(up.requests).toHaveLength(3);
  });

  it('limits requests in flight per device and per workspace with 429 E_PROXY_CONCURRENCY', async () => {
    const held: ServerResponse[] = [];
    let hold = true;
    const up = await h.upstream((r, res) => (hold ? void held.push(res) : answer(1)(r, res)));
    const p = await h.proxy({ upstreams: { openai: up.url }, maxConcurrent: 1, workspaceMaxConcurrent: 2 });
    const other = await p.member();
    const first = call(p);
    await waitFor(() => held.length === 1, 'the first request upstream');
    const busy = await call(p);
    expect([busy.status, busy.json?.error?.code, busy.retryAfter]).toEqual([429, 'E_PROXY_CONCURRENCY', '1']);
    const second = call(p, undefined, undefined, other);
    await waitFor(() => held.length === 2, 'the second request upstream');
    expect((await call(p, undefined, undefined, await p.member())).json?.error?.code).toBe('E_PROXY_CONCURRENCY');
    hold = false;
    for (const res of held) replyJson(res, 200, { usage: { prompt_tokens: 1, completion_tokens: 1 } });
    expect([(await first).status, (await second).status]).toEqual([200, 200]);
    expect((await call(p)).status).toBe(200);
  });

  it('answers 503 E_PROXY_DISABLED for a provider switched off by config, at run time, or without an upstream', async () => {
    const up = await h.upstream(answer(1));
    let killed = false;
    const p = await h.proxy({ upstreams: { openai: up.url }, disabled: ['anthropic'] }, { isDisabled: (provider) => killed && provider === 'openai' });
    const messages = await p.post('/v1/proxy/messages', '{}', { 'x-api-key': 'k' });
    expect([messages.status, ((await messages.json()) as { error: { code: string } }).error.code]).toEqual([503, 'E_PROXY_DISABLED']);
    expect((await call(p)).status).toBe(200);
    killed = true;
    expect((await call(p)).json?.error?.code).toBe('E_PROXY_DISABLED');
    const none = await h.proxy({ upstreams: {} });
    expect((await call(none)).status).toBe(503);
    expect(up.requests).toHaveLength(1);
  });

  it('refuses a body over the cap with 413, whether declared or streamed, and accepts one at the cap', async () => {
    const up = await h.upstream(answer(1));
    const p = await h.proxy({ upstreams: { openai: up.url } });
    const atCap = JSON.stringify({ model: 'm', pad: '' }).length;
    const exact = JSON.stringify({ model: 'm', pad: 'x'.repeat(128 * 1024 - atCap) });
    expect(Buffer.byteLength(exact)).toBe(128 * 1024);
    expect((await call(p, undefined, exact)).status).toBe(200);
    const over = await call(p, undefined, JSON.stringify({ model: 'm', pad: 'x'.repeat(128 * 1024) }));
    expect([over.status, over.json?.error?.code]).toEqual([413, 'E_BODY_TOO_LARGE']);

    const proof = p.proof(p.admin, PATH, '{}');
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = request(`${p.url}${PATH}`, { method: 'POST', headers: { ...proof, authorization: 'Bearer sk-b', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 40; i++) req.write('x'.repeat(8 * 1024));
      req.end();
    });
    expect(chunked).toBe(413);

    const huge = await new Promise<[number, string | undefined]>((resolve, reject) => {
      const req = request(`${p.url}${PATH}`, { method: 'POST', headers: { ...p.proof(p.admin, PATH, '{}'), authorization: 'Bearer sk-c', 'content-length': String(10 << 20) } }, (res) => {
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

  it('answers 401 without a key, 400 for a body that is not JSON, and leaves other paths alone', async () => {
    const up = await h.upstream(answer(1));
    const p = await h.proxy({ upstreams: { openai: up.url } });
    expect((await call(p, {})).json?.error?.code).toBe('E_PROVIDER_AUTH');
    expect((await call(p, { authorization: 'Basic abc' })).status).toBe(401);
    expect((await call(p, undefined, 'not json')).json?.error?.code).toBe('E_BAD_INPUT');
    expect((await fetch(`${p.url}/healthz`)).status).toBe(404);
    expect(p.fellThrough()).toBe(1);
    expect((await fetch(`${p.url}/v1/proxy/messages`)).status).toBe(405);
    expect(up.requests).toHaveLength(0);
  });
});
