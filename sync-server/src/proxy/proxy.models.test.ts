/**
 * Model lists through the proxy: GET /v1/proxy/models (OpenAI-style), /v1/proxy/anthropic/models
 * and /v1/proxy/gemini/v1beta/models, for member devices only (a proof signed over GET and an
 * empty body), cached an hour per provider and caller key: the second call within the hour does
 * not reach the upstream, one after it does, and another key is never served a list it did not fetch.
 */
import { describe, expect, it } from 'vitest';
import { createModelListCache } from './model-cache.ts';
import { replyJson } from './fake-upstream.ts';
import { proxyHarness } from './harness.ts';

const h = proxyHarness();
const HOUR = 60 * 60 * 1000;
const KEY_A = 'sk-SECRET-list-A-0123456789';
const KEY_B = 'sk-SECRET-list-B-0123456789';

/** Answers each list with the key it was asked with, so a list served to the wrong key shows. */
const lists = () => h.upstream((r, res) => {
  const key = String(r.headers.authorization ?? r.headers['x-api-key'] ?? r.headers['x-goog-api-key']);
  replyJson(res, 200, { object: 'list', data: [{ id: `model-for-${key.slice(-12)}`, object: 'model' }], path: r.path });
});

describe('LLM proxy: model lists', () => {
  it('forwards the three model lists with each provider key, as a GET without a body', async () => {
    const up = await lists();
    const p = await h.proxy({ upstreams: { openai: `${up.url}/v1`, anthropic: up.url, gemini: up.url } });
    const openai = await p.get('/v1/proxy/models', { authorization: `Bearer ${KEY_A}` });
    const anthropic = await p.get('/v1/proxy/anthropic/models?limit=100', { 'x-api-key': KEY_A, 'anthropic-version': '2023-06-01' });
    const gemini = await p.get('/v1/proxy/gemini/v1beta/models?pageToken=abc&pageSize=50', { 'x-goog-api-key': KEY_A });
    expect([openai.status, anthropic.status, gemini.status]).toEqual([200, 200, 200]);
    expect(((await gemini.json()) as { path: string }).path).toBe('/v1beta/models?pageSize=50&pageToken=abc');
    expect(up.requests.map((r) => [r.path, r.body.length, r.headers['content-type']])).toEqual([
      ['/v1/models', 0, undefined],
      ['/v1/models?limit=100', 0, undefined],
      ['/v1beta/models?pageSize=50&pageToken=abc', 0, undefined],
    ]);
    expect([up.requests[0]!.headers.authorization, up.requests[1]!.headers['x-api-key'], up.requests[1]!.headers['anthropic-version'], up.requests[2]!.headers['x-goog-api-key']])
      .toEqual([`Bearer ${KEY_A}`, KEY_A, '2023-06-01', KEY_A]);
    expect(JSON.stringify(p.logs) + JSON.stringify(p.usage)).not.toContain('SECRET');
    // A list costs no tokens.
    expect(p.usage).toEqual([]);
  });

  it('serves the same key its list from the cache within the hour, and asks the upstream again after it', async () => {
    const up = await lists();
    const p = await h.proxy({ upstreams: { openai: up.url } });
    const first = await p.get('/v1/proxy/models', { authorization: `Bearer ${KEY_A}` });
    const firstBody = await first.text();
    expect(first.headers.get('x-tendril-cache')).toBe('miss');
    p.clock.advance(HOUR - 1);
    const second = await p.get('/v1/proxy/models', { authorization: `Bearer ${KEY_A}` });
    expect([second.status, second.headers.get('x-tendril-cache'), second.headers.get('content-type'), await second.text()]).toEqual([200, 'hit', 'application/json', firstBody]);
    expect(up.requests).toHaveLength(1);
    p.clock.advance(1);
    const third = await p.get('/v1/proxy/models', { authorization: `Bearer ${KEY_A}` });
    expect([third.status, third.headers.get('x-tendril-cache')]).toEqual([200, 'miss']);
    expect(up.requests).toHaveLength(2);
  });

  it('never serves one key the list another key fetched, nor one provider the list of another', async () => {
    const up = await lists();
    const p = await h.proxy({ upstreams: { openai: up.url, anthropic: up.url } });
    const a = await (await p.get('/v1/proxy/models', { authorization: `Bearer ${KEY_A}` })).text();
    const b = await p.get('/v1/proxy/models', { authorization: `Bearer ${KEY_B}` });
    expect(b.headers.get('x-tendril-cache')).toBe('miss');
    const bText = await b.text();
    expect(bText).toContain(KEY_B.slice(-12));
    expect(bText).not.toBe(a);
    // Same key, other provider (whose upstream path happens to be the same).
    const ant = await p.get('/v1/proxy/anthropic/models', { 'x-api-key': KEY_A });
    expect(ant.headers.get('x-tendril-cache')).toBe('miss');
    expect(up.requests).toHaveLength(3);
    // Each key then gets its own list from the cache.
    const again = await p.get('/v1/proxy/models', { authorization: `Bearer ${KEY_A}` });
    expect([again.headers.get('x-tendril-cache'), await again.text()]).toEqual(['hit', a]);
    expect(up.requests).toHaveLength(3);
  });

  it('does not cache an error answer', async () => {
    let fail = true;
    const up = await h.upstream((_r, res) => (fail ? replyJson(res, 401, { error: { message: 'bad key' } }) : replyJson(res, 200, { data: [] })));
    const p = await h.proxy({ upstreams: { openai: up.url } });
    expect((await p.get('/v1/proxy/models', { authorization: `Bearer ${KEY_A}` })).status).toBe(401);
    fail = false;
    expect((await p.get('/v1/proxy/models', { authorization: `Bearer ${KEY_A}` })).status).toBe(200);
    expect(up.requests).toHaveLength(2);
  });

  it('refuses an unsigned GET, a GET signed as a POST, and a revoked device, before the cache or the upstream', async () => {
    const up = await lists();
    const p = await h.proxy({ upstreams: { openai: up.url } });
    expect((await p.get('/v1/proxy/models', { authorization: `Bearer ${KEY_A}` })).status).toBe(200);
    const code = async (res: Response) => [res.status, ((await res.json()) as { error: { code: string } }).error.code];
    expect(await code(await fetch(`${p.url}/v1/proxy/models`, { headers: { authorization: `Bearer ${KEY_A}` } }))).toEqual([401, 'E_PROXY_PROOF']);
    expect(await code(await fetch(`${p.url}/v1/proxy/models`, { headers: { authorization: `Bearer ${KEY_A}`, ...p.proof(p.admin, '/v1/proxy/models', '') } }))).toEqual([401, 'E_AUTH_FAILED']);
    // A revoked device is refused even though the list for this key is cached.
    const member = await p.member();
    await p.store.revokeDevice(member.workspace, member.key.id, p.clock.now());
    expect(await code(await p.get('/v1/proxy/models', { authorization: `Bearer ${KEY_A}` }, member))).toEqual([401, 'E_REVOKED']);
    expect(up.requests).toHaveLength(1);
  });

  it('answers a POST to a list with 405 and a GET with a query it does not forward with 400', async () => {
    const up = await lists();
    const p = await h.proxy({ upstreams: { openai: up.url, gemini: up.url } });
    const post = await p.post('/v1/proxy/models', '', { authorization: `Bearer ${KEY_A}` });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, OPTIONS']);
    expect((await p.get('/v1/proxy/models?limit=5', { authorization: `Bearer ${KEY_A}` })).status).toBe(400);
    expect((await p.get('/v1/proxy/gemini/v1beta/models?key=AIza', { 'x-goog-api-key': KEY_A })).status).toBe(400);
    expect((await p.get('/v1/proxy/gemini/v1beta/models?pageToken=a%2Fb', { 'x-goog-api-key': KEY_A })).status).toBe(400);
    expect(up.requests).toEqual([]);
  });
});

describe('model list cache', () => {
  const list = (text: string) => ({ status: 200, contentType: 'application/json', body: Buffer.from(text) });

  it('keeps no more bytes than its budget, dropping the oldest lists first', () => {
    const cache = createModelListCache({ ttlMs: HOUR, maxBytes: 3 * (1000 + 400), salt: new Uint8Array(32) });
    for (const k of ['k1', 'k2', 'k3', 'k4']) cache.put('openai', '/models', k, list(k.repeat(500)), 0);
    expect(cache.size).toBe(3);
    expect(cache.get('openai', '/models', 'k1', 1)).toBeUndefined();
    expect(cache.get('openai', '/models', 'k4', 1)?.body.toString()).toBe('k4'.repeat(500));
    // A list larger than the whole budget is not kept at all.
    cache.put('openai', '/models', 'k5', list('x'.repeat(5000)), 2);
    expect(cache.get('openai', '/models', 'k5', 3)).toBeUndefined();
  });
});
