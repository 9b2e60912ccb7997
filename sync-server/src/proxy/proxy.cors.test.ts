/** CORS for the app's origin: preflight, the allow-origin header on answers and refusals, nothing for other origins. */
import { describe, expect, it } from 'vitest';
import { replyJson } from './fake-upstream.ts';
import { proxyHarness } from './harness.ts';

const h = proxyHarness();
const APP = 'https://app.tendril.example';

describe('LLM proxy CORS', () => {
  it('answers a preflight from the app origin with the allowed methods and headers', async () => {
    const p = await h.proxy({ allowedOrigins: [APP] });
    const res = await fetch(`${p.url}/v1/proxy/messages`, { method: 'OPTIONS', headers: { origin: APP, 'access-control-request-method': 'POST' } });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')).toContain('x-api-key');
    expect(res.headers.get('access-control-allow-headers')).toContain('anthropic-version');
    expect(res.headers.get('access-control-allow-headers')).toContain('x-tendril-proof');
    expect(res.headers.get('access-control-allow-headers')).not.toContain('x-tendril-user');
  });

  it('sends no allow-origin to other origins', async () => {
    const p = await h.proxy({ allowedOrigins: [APP] });
    const res = await fetch(`${p.url}/v1/proxy/messages`, { method: 'OPTIONS', headers: { origin: 'https://other.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-methods')).toBeNull();
  });

  it('puts the allow-origin header on relayed answers and on refusals', async () => {
    const up = await h.upstream((_r, res) => replyJson(res, 200, { usage: { prompt_tokens: 1, completion_tokens: 1 } }));
    const p = await h.proxy({ allowedOrigins: [APP], upstreams: { openai: up.url } });
    const ok = await p.post('/v1/proxy/chat/completions', '{}', { origin: APP, authorization: 'Bearer k' });
    expect(ok.headers.get('access-control-allow-origin')).toBe(APP);
    expect(ok.headers.get('access-control-expose-headers')).toContain('retry-after');
    const refused = await fetch(`${p.url}/v1/proxy/chat/completions`, { method: 'POST', headers: { origin: APP }, body: '{}' });
    expect([refused.status, refused.headers.get('access-control-allow-origin')]).toEqual([401, APP]);
  });
});
