/**
 * Gemini through the proxy: generateContent and streamGenerateContent?alt=sse forwarded with the
 * caller's x-goog-api-key (upstream only, never logged), usage counted from usageMetadata; the
 * path is an allow-list (four methods, a strict model charset, no extra query), and anything
 * outside it is refused without reaching the upstream.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../testing/wait.ts';
import { replyJson, replySse } from './fake-upstream.ts';
import { proxyHarness } from './harness.ts';

const h = proxyHarness();
const KEY = 'AIzaSECRET-gemini-0123456789';
const BODY = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
const HEADERS = { 'content-type': 'application/json', 'x-goog-api-key': KEY };

const frame = (o: unknown): string => `data: ${JSON.stringify(o)}\r\n\r\n`;
const answer = (text: string, usage?: Record<string, number>) => ({
  candidates: [{ content: { role: 'model', parts: [{ text }] }, index: 0, ...(usage && { finishReason: 'STOP' }) }],
  // Gemini repeats the counts so far on every chunk; the last one holds the totals.
  usageMetadata: usage ?? { promptTokenCount: 11 },
  modelVersion: 'gemini-2.5-flash',
});

describe('LLM proxy: Gemini', () => {
  it('relays streamGenerateContent?alt=sse byte for byte with the key upstream only, counting usageMetadata with thinking tokens', async () => {
    const frames = [frame(answer('Hel')), frame(answer('lo')), frame(answer('', { promptTokenCount: 11, candidatesTokenCount: 7, thoughtsTokenCount: 5, totalTokenCount: 23 }))];
    const up = await h.upstream((_r, res) => replySse(res, frames));
    const p = await h.proxy({ upstreams: { gemini: up.url } }, { estimateCost: (m, u) => (m === 'gemini-2.5-flash' ? u.inputTokens + u.outputTokens : null) });
    const res = await p.post('/v1/proxy/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', BODY, { ...HEADERS, authorization: 'Bearer other', cookie: 'c=1' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(frames.join(''));

    const [r] = up.requests;
    expect(r!.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(r!.headers['x-goog-api-key']).toBe(KEY);
    expect([r!.headers.authorization, r!.headers.cookie, r!.headers['x-tendril-proof']]).toEqual([undefined, undefined, undefined]);
    expect(r!.body.toString()).toBe(BODY);

    await waitFor(() => p.usage[0], 'the usage record');
    expect(p.usage[0]).toMatchObject({ provider: 'gemini', model: 'gemini-2.5-flash', inputTokens: 11, outputTokens: 12, costUsd: 23, estimated: false, device: p.admin.key.id });
    expect(JSON.stringify(p.logs) + JSON.stringify(p.usage)).not.toContain('SECRET');
  });

  it('relays generateContent as JSON and counts its usageMetadata', async () => {
    const up = await h.upstream((_r, res) => replyJson(res, 200, answer('Hello', { promptTokenCount: 4, candidatesTokenCount: 9 })));
    const p = await h.proxy({ upstreams: { gemini: `${up.url}/` } });
    const res = await p.post('/v1/proxy/gemini/v1beta/models/gemini-2.0-flash:generateContent', BODY, HEADERS);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ modelVersion: 'gemini-2.5-flash' });
    expect(up.requests[0]!.path).toBe('/v1beta/models/gemini-2.0-flash:generateContent');
    await waitFor(() => p.usage[0], 'the usage record');
    // The model the caller named in the path is the one metered.
    expect(p.usage[0]).toMatchObject({ provider: 'gemini', model: 'gemini-2.0-flash', inputTokens: 4, outputTokens: 9, estimated: false });
    // The usage line names the route by its template: the model in the path is the caller's text.
    const line = await waitFor(() => p.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.event === 'proxy.usage'), 'the usage line');
    expect(line).toMatchObject({ route: '/v1/proxy/gemini/v1beta/models/{model}:generateContent', model: 'gemini-2.0-flash', status: 200 });
  });

  it('bounds a streaming Gemini call by the stream deadline and a non-streaming one by the request deadline', async () => {
    const up = await h.upstream(() => undefined);
    const p = await h.proxy({ upstreams: { gemini: up.url }, firstByteTimeoutMs: 1_000_000, streamTimeoutMs: 50_000, requestTimeoutMs: 10_000 });
    const streaming = p.post('/v1/proxy/gemini/v1beta/models/m:streamGenerateContent?alt=sse', BODY, HEADERS);
    const plain = p.post('/v1/proxy/gemini/v1beta/models/m:generateContent', BODY, HEADERS);
    await waitFor(() => up.requests.length === 2, 'both requests upstream');
    p.clock.advance(50_000);
    const messages = await Promise.all([streaming, plain].map(async (r) => {
      const res = await r;
      return [res.status, ((await res.json()) as { error: { code: string; message: string } }).error.message];
    }));
    expect(messages).toEqual([[504, expect.stringContaining('50000 ms')], [504, expect.stringContaining('10000 ms')]]);
  });

  it('refuses paths, methods and queries outside the allow-list with 404 or 400, never reaching the upstream', async () => {
    const up = await h.upstream((_r, res) => replyJson(res, 200, {}));
    const p = await h.proxy({ upstreams: { gemini: up.url } });
    const refused: [string, number][] = [
      ['/v1/proxy/gemini/v1beta/models/gemini-2.5-flash:countTokens', 404],
      ['/v1/proxy/gemini/v1beta/models/gemini-2.5-flash:predict', 404],
      ['/v1/proxy/gemini/v1beta/files', 404],
      ['/v1/proxy/gemini/v1beta/cachedContents', 404],
      ['/v1/proxy/gemini/v1/models/gemini-2.5-flash:generateContent', 404],
      ['/v1/proxy/gemini/v1beta/tunedModels/x:generateContent', 404],
      ['/v1/proxy/gemini/v1beta/models/gemini%2F..%2Ffiles:generateContent', 404],
      ['/v1/proxy/gemini/v1beta/models/a/b:generateContent', 404],
      ['/v1/proxy/gemini/v1beta/models/-x:generateContent', 404],
      ['/v1/proxy/gemini/v1beta/models/gemini-2.5-flash:generateContent?key=AIzaOTHER', 400],
      ['/v1/proxy/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent', 400],
      ['/v1/proxy/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=x', 400],
      ['/v1/proxy/gemini/v1beta/models/gemini-2.5-flash:embedContent?alt=sse', 400],
    ];
    for (const [path, status] of refused) {
      const res = await p.post(path, BODY, HEADERS);
      expect([path, res.status]).toEqual([path, status]);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('E_BAD_INPUT');
    }
    const get = await p.get('/v1/proxy/gemini/v1beta/models/gemini-2.5-flash:generateContent', HEADERS);
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST, OPTIONS']);
    expect(up.requests).toEqual([]);
    expect(p.fellThrough()).toBe(0);
  });

  it('refuses an unsigned Gemini request and one without x-goog-api-key', async () => {
    const up = await h.upstream((_r, res) => replyJson(res, 200, {}));
    const p = await h.proxy({ upstreams: { gemini: up.url } });
    const path = '/v1/proxy/gemini/v1beta/models/gemini-2.5-flash:generateContent';
    const unsigned = await fetch(`${p.url}${path}`, { method: 'POST', headers: HEADERS, body: BODY });
    expect(unsigned.status).toBe(401);
    expect(((await unsigned.json()) as { error: { code: string } }).error.code).toBe('E_PROXY_PROOF');
    const keyless = await p.post(path, BODY, { 'content-type': 'application/json', authorization: `Bearer ${KEY}` });
    expect(keyless.status).toBe(401);
    expect(await keyless.json()).toMatchObject({ error: { code: 'E_PROVIDER_AUTH', message: 'no x-goog-api-key header' } });
    expect(up.requests).toEqual([]);
  });

  it('answers 503 when Gemini is switched off', async () => {
    const up = await h.upstream((_r, res) => replyJson(res, 200, {}));
    const p = await h.proxy({ upstreams: { gemini: up.url }, disabled: ['gemini'] });
    expect((await p.post('/v1/proxy/gemini/v1beta/models/m:generateContent', BODY, HEADERS)).status).toBe(503);
    expect(up.requests).toEqual([]);
  });
});
