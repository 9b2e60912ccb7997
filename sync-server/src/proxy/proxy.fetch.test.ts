/**
 * The proxy's web fetch (POST /v1/proxy/fetch): members only, one GET, no redirect followed, text
 * only, body capped, nothing of the caller's forwarded, and never a connection to the relay's own
 * network: loopback, private, link-local and mapped addresses are refused, literal or resolved,
 * with the resolved addresses judged by the connection's own lookup.
 */
import { describe, expect, it } from 'vitest';
import { replyJson } from './fake-upstream.ts';
import type { ResolvedAddress } from './fetch-guard.ts';
import { proxyHarness, type ProxyUnderTest } from './harness.ts';

const h = proxyHarness();
const PATH = '/v1/proxy/fetch';

const ask = async (p: ProxyUnderTest, url: string, headers: Record<string, string> = {}) => {
  const res = await p.post(PATH, JSON.stringify({ url }), headers);
  const text = await res.text();
  const code = res.headers.get('content-type')?.startsWith('application/json') && res.status !== 200 ? (JSON.parse(text) as { error: { code: string; message: string } }).error : undefined;
  return { status: res.status, headers: res.headers, text, code: code?.code, message: code?.message };
};

/** A site on 127.0.0.1 answering by path. */
async function site() {
  return h.upstream((r, res) => {
    if (r.path === '/page') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'set-cookie': 'a=b' }).end('<title>Hi</title><p>hello</p>');
    else if (r.path === '/moved') res.writeHead(302, { location: '/page' }).end();
    else if (r.path === '/big') res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(5000));
    else if (r.path === '/image') res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(100));
    else if (r.path === '/hang') res.writeHead(200, { 'content-type': 'text/plain' }).write('start');
    else replyJson(res, 404, { error: 'no' });
  });
}

describe('proxy web fetch: what it does for a member', () => {
  it('fetches a page once with a fixed User-Agent and nothing of the caller, answering 200 with the upstream status and type', async () => {
    const s = await site();
    const p = await h.proxy({ fetchAllowPrivate: true });
    const r = await ask(p, `${s.url}/page`, { cookie: 'session=secret', authorization: 'Bearer sk-secret', 'x-api-key': 'k' });
    expect([r.status, r.headers.get('x-tendril-upstream-status'), r.headers.get('content-type'), r.text]).toEqual([200, '200', 'text/html; charset=utf-8', '<title>Hi</title><p>hello</p>']);
    expect(r.headers.get('set-cookie')).toBeNull();
    expect(s.requests).toHaveLength(1);
    const sent = s.requests[0]!.headers;
    expect(sent['user-agent']).toMatch(/^TendrilRelayFetch\//);
    expect([sent.cookie, sent.authorization, sent['x-api-key'], sent['x-tendril-proof']]).toEqual([undefined, undefined, undefined, undefined]);
    const upstream404 = await ask(p, `${s.url}/nothing`);
    expect([upstream404.status, upstream404.headers.get('x-tendril-upstream-status')]).toEqual([200, '404']);
  });

  it('returns a redirect with its Location instead of following it', async () => {
    const s = await site();
    const p = await h.proxy({ fetchAllowPrivate: true });
    const r = await ask(p, `${s.url}/moved`);
    expect([r.status, r.headers.get('x-tendril-upstream-status'), r.headers.get('x-tendril-upstream-location'), r.text]).toEqual([200, '302', `${s.url}/page`, '']);
    expect(s.requests.map((q) => q.path)).toEqual(['/moved']);
  });

  it('cuts a body over the cap and flags it', async () => {
    const s = await site();
    const p = await h.proxy({ fetchAllowPrivate: true, fetchMaxBytes: 1000 });
    const r = await ask(p, `${s.url}/big`);
    expect([r.status, r.text.length, r.headers.get('x-tendril-truncated')]).toEqual([200, 1000, '1']);
    expect((await ask(p, `${s.url}/page`)).headers.get('x-tendril-truncated')).toBeNull();
  });

  it('refuses a page that is not text with 415 E_PROXY_FETCH_TYPE, passing none of it on', async () => {
    const s = await site();
    const p = await h.proxy({ fetchAllowPrivate: true });
    const r = await ask(p, `${s.url}/image`);
    expect([r.status, r.code]).toEqual([415, 'E_PROXY_FETCH_TYPE']);
    expect(r.message).toContain('image/png');
  });

  it('aborts the upstream request when the caller goes away', async () => {
    const s = await site();
    const p = await h.proxy({ fetchAllowPrivate: true });
    const body = JSON.stringify({ url: `${s.url}/hang` });
    const caller = new AbortController();
    const pending = fetch(`${p.url}${PATH}`, { method: 'POST', headers: p.proof(p.admin, PATH, body), body, signal: caller.signal }).catch((e: unknown) => e);
    await expect.poll(() => s.requests.length, { timeout: 10_000 }).toBe(1);
    caller.abort();
    await pending;
    expect(await s.requests[0]!.closed).toBe('aborted');
  });

  it('gives up at its deadline with 504 E_TIMEOUT and closes the upstream request', async () => {
    const s = await site();
    const p = await h.proxy({ fetchAllowPrivate: true, fetchTimeoutMs: 15_000 });
    const answer = ask(p, `${s.url}/hang`);
    await expect.poll(() => s.requests.length, { timeout: 10_000 }).toBe(1);
    p.clock.advance(15_000);
    expect(await answer).toMatchObject({ status: 504, code: 'E_TIMEOUT' });
    expect(await s.requests[0]!.closed).toBe('aborted');
  });

  it('is refused unsigned (401 E_PROXY_PROOF) and when switched off (503 E_PROXY_DISABLED), without fetching', async () => {
    const s = await site();
    const p = await h.proxy({ fetchAllowPrivate: true });
    const body = JSON.stringify({ url: `${s.url}/page` });
    const unsigned = await fetch(`${p.url}${PATH}`, { method: 'POST', body });
    expect([unsigned.status, ((await unsigned.json()) as { error: { code: string } }).error.code]).toEqual([401, 'E_PROXY_PROOF']);
    const off = await h.proxy({ fetchAllowPrivate: true, fetchEnabled: false });
    expect(await ask(off, `${s.url}/page`)).toMatchObject({ status: 503, code: 'E_PROXY_DISABLED' });
    expect(s.requests).toHaveLength(0);
  });
});

describe('proxy web fetch: never the relay own network (private addresses not allowed)', () => {
  /** A proxy whose resolver answers from `names` and records each name asked. */
  async function guarded(names: Record<string, ResolvedAddress[]> = {}) {
    const asked: string[] = [];
    const p = await h.proxy({}, {
      resolve: (host) => {
        asked.push(host);
        const found = names[host];
        return found ? Promise.resolve(found) : Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }));
      },
    });
    return { p, asked };
  }

  it.each([
    ['loopback', 'http://127.0.0.1/', 'loopback'],
    ['loopback in decimal', 'http://2130706433/', 'loopback'],
    ['RFC 1918', 'http://10.0.0.5/', 'private'],
    ['cloud metadata', 'http://169.254.169.254/latest/meta-data/', 'link-local'],
    ['IPv6 loopback', 'http://[::1]/', 'loopback'],
    ['IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.1]/', 'IPv4-mapped, loopback'],
    ['IPv6 unique local', 'https://[fd00::1]/', 'unique local'],
    ['CGNAT', 'http://100.64.1.1/', 'CGNAT'],
    ['unspecified', 'http://0.0.0.0/', 'unspecified'],
  ])('refuses %s (%s) with 403 E_PROXY_FETCH_BLOCKED', async (_name, url, why) => {
    const { p } = await guarded();
    const r = await ask(p, url);
    expect([r.status, r.code]).toEqual([403, 'E_PROXY_FETCH_BLOCKED']);
    expect(r.message).toContain(why);
  });

  it('refuses a name resolving to 127.0.0.1, or to any private address among public ones, judged by the connection lookup', async () => {
    const { p, asked } = await guarded({
      'internal.example': [{ address: '127.0.0.1', family: 4 }],
      'mixed.example': [{ address: '93.184.215.14', family: 4 }, { address: '10.1.2.3', family: 4 }],
      'mapped.example': [{ address: '::ffff:169.254.169.254', family: 6 }],
    });
    for (const [host, why] of [['internal.example', '127.0.0.1, loopback'], ['mixed.example', '10.1.2.3, private'], ['mapped.example', 'IPv4-mapped, link-local']] as const) {
      const r = await ask(p, `http://${host}/`);
      expect([host, r.status, r.code]).toEqual([host, 403, 'E_PROXY_FETCH_BLOCKED']);
      expect(r.message).toContain(why);
    }
    // One resolution per fetch, the one the socket connects with: no separate check an answer could change after.
    expect(asked).toEqual(['internal.example', 'mixed.example', 'mapped.example']);
  });

  it('refuses ports other than 80 and 443, and schemes other than http(s)', async () => {
    const { p, asked } = await guarded({ 'site.example': [{ address: '93.184.215.14', family: 4 }] });
    expect(await ask(p, 'http://site.example:6379/')).toMatchObject({ status: 403, code: 'E_PROXY_FETCH_BLOCKED' });
    expect(await ask(p, 'file:///etc/passwd')).toMatchObject({ status: 400, code: 'E_BAD_INPUT' });
    expect(await ask(p, 'http://user:pw@site.example/')).toMatchObject({ status: 400, code: 'E_BAD_INPUT' });
    expect(asked).toEqual([]);
  });
});
