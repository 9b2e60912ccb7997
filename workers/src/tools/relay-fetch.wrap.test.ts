/** relayFetch: one signed POST per URL to the relay's fetch route, its answer turned back into the upstream's Response, its refusals into TendrilErrors. */
import { describe, expect, it } from 'vitest';
import { fetchText } from './fetch-text.ts';
import { relayFetch } from './relay-fetch.ts';

type Answer = { status: number; headers?: Record<string, string>; body?: string | null };

function relay(answers: Record<string, Answer>) {
  const calls: { endpoint: string; method: string | undefined; body: string; signal: AbortSignal | undefined | null }[] = [];
  const signedFetch: typeof fetch = (input, init) => {
    const url = (JSON.parse(String(init?.body)) as { url: string }).url;
    calls.push({ endpoint: String(input), method: init?.method, body: String(init?.body), signal: init?.signal });
    const a = answers[url] ?? { status: 502, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: { code: 'E_PROVIDER_UNAVAILABLE', message: 'no' } }) };
    return Promise.resolve(new Response(a.body ?? null, { status: a.status, ...(a.headers ? { headers: a.headers } : {}) }));
  };
  return { calls, fetch: relayFetch({ relay: 'https://relay.example/', signedFetch }) };
}

describe('relayFetch', () => {
  it('posts the URL to /v1/proxy/fetch and answers with the upstream status, type and body', async () => {
    const r = relay({ 'https://a.example/x': { status: 200, headers: { 'x-tendril-upstream-status': '404', 'content-type': 'text/plain' }, body: 'gone' } });
    const signal = new AbortController().signal;
    const res = await r.fetch('https://a.example/x', { redirect: 'manual', signal });
    expect([res.status, res.headers.get('content-type'), await res.text()]).toEqual([404, 'text/plain', 'gone']);
    expect(r.calls).toEqual([{ endpoint: 'https://relay.example/v1/proxy/fetch', method: 'POST', body: '{"url":"https://a.example/x"}', signal }]);
  });

  it('turns a relayed redirect back into a 3xx with its Location, so fetchText checks and follows each hop itself', async () => {
    const r = relay({
      'https://a.example/old': { status: 200, headers: { 'x-tendril-upstream-status': '301', 'x-tendril-upstream-location': 'https://b.example/new' } },
      'https://b.example/new': { status: 200, headers: { 'x-tendril-upstream-status': '200', 'content-type': 'text/html' }, body: '<title>New</title>here' },
    });
    const res = await r.fetch(new URL('https://a.example/old'));
    expect([res.status, res.headers.get('location')]).toEqual([301, 'https://b.example/new']);
    const hops: string[] = [];
    const got = await fetchText('https://a.example/old', { fetch: r.fetch, allow: (u) => void hops.push(u.host) });
    expect([got.url, got.status, got.title]).toEqual(['https://b.example/new', 200, 'New']);
    expect(got.text).toContain('here');
    expect(hops).toEqual(['a.example', 'b.example']);
  });

  it('throws the relay refusal with its code and message', async () => {
    const r = relay({ 'http://10.0.0.1/': { status: 403, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: { code: 'E_PROXY_FETCH_BLOCKED', message: 'not fetched: 10.0.0.1 is private (RFC 1918)' } }) } });
    await expect(r.fetch('http://10.0.0.1/')).rejects.toMatchObject({ code: 'E_PROXY_FETCH_BLOCKED', message: expect.stringContaining('private') });
    await expect(r.fetch('https://down.example/')).rejects.toMatchObject({ code: 'E_PROVIDER_UNAVAILABLE' });
    const odd = relay({ 'https://a.example/': { status: 200, body: 'no upstream status header' } });
    await expect(odd.fetch('https://a.example/')).rejects.toMatchObject({ code: 'E_PROVIDER_UNAVAILABLE' });
  });
});
