/**
 * Only members call the proxy: every request carries a proof signed by a device key the relay's
 * store knows as a member of a registered workspace, bound to method, path, body and time, used once.
 * Each refusal is a 401 with its own code and never reaches the upstream.
 */
import { describe, expect, it } from 'vitest';
import { newWorkspaceId } from '@tendril/crdt-schema/ids';
import { testKey } from '../testing/keys.ts';
import { replyJson } from './fake-upstream.ts';
import { proxyHarness, type ProxyUnderTest } from './harness.ts';

const h = proxyHarness();
const PATH = '/v1/proxy/chat/completions';
const BODY = '{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}';
const KEY = { authorization: 'Bearer sk-member' };

async function setup(config = {}) {
  const up = await h.upstream((_r, res) => replyJson(res, 200, { model: 'gpt-4o', usage: { prompt_tokens: 1, completion_tokens: 1 } }));
  const p = await h.proxy({ upstreams: { openai: up.url }, ...config });
  return { up, p };
}

const send = async (p: ProxyUnderTest, headers: Record<string, string>, body = BODY, path = PATH) => {
  const res = await fetch(`${p.url}${path}`, { method: 'POST', headers: { ...KEY, ...headers }, body });
  const text = await res.text();
  return { status: res.status, code: text.startsWith('{') ? (JSON.parse(text) as { error?: { code?: string } }).error?.code : undefined, retryAfter: res.headers.get('retry-after') };
};

describe('LLM proxy callers', () => {
  it('forwards a request signed by an admin or an enrolled device, without the proof header', async () => {
    const { up, p } = await setup();
    expect((await send(p, p.proof(p.admin, PATH, BODY))).status).toBe(200);
    expect((await send(p, p.proof(await p.member(), PATH, BODY))).status).toBe(200);
    expect(up.requests).toHaveLength(2);
    expect(up.requests[0]!.headers['x-tendril-proof']).toBeUndefined();
    expect(p.usage.map((u) => u.workspace)).toEqual([p.admin.workspace, p.admin.workspace]);
  });

  it('refuses an unsigned request with 401 E_PROXY_PROOF, whatever else it carries', async () => {
    const { up, p } = await setup();
    expect(await send(p, {})).toMatchObject({ status: 401, code: 'E_PROXY_PROOF' });
    expect(await send(p, { 'x-tendril-user': 'alice' })).toMatchObject({ status: 401, code: 'E_PROXY_PROOF' });
    expect(await send(p, { 'x-tendril-proof': 'v1.a.b.c.d.e' })).toMatchObject({ status: 401, code: 'E_PROXY_PROOF' });
    expect(up.requests).toHaveLength(0);
  });

  it('refuses a device that is not enrolled, or of a workspace the relay does not know, with 401 E_NOT_MEMBER', async () => {
    const { up, p } = await setup();
    const stranger = { workspace: p.admin.workspace, key: testKey() };
    expect(await send(p, p.proof(stranger, PATH, BODY))).toMatchObject({ status: 401, code: 'E_NOT_MEMBER' });
    const unknown = { workspace: newWorkspaceId(), key: testKey() };
    expect(await send(p, p.proof(unknown, PATH, BODY))).toMatchObject({ status: 401, code: 'E_NOT_MEMBER' });
    // A member of one workspace cannot sign for another.
    const elsewhere = await p.workspace();
    expect(await send(p, p.proof({ workspace: elsewhere.workspace, key: p.admin.key }, PATH, BODY))).toMatchObject({ status: 401, code: 'E_NOT_MEMBER' });
    expect(up.requests).toHaveLength(0);
  });

  it('refuses a revoked device, enrolled member or admin, with 401 E_REVOKED', async () => {
    const { up, p } = await setup();
    const member = await p.member();
    expect((await send(p, p.proof(member, PATH, BODY))).status).toBe(200);
    await p.store.revokeDevice(member.workspace, member.key.id, p.clock.now());
    expect(await send(p, p.proof(member, PATH, BODY))).toMatchObject({ status: 401, code: 'E_REVOKED' });
    await p.store.revokeDevice(p.admin.workspace, p.admin.key.id, p.clock.now());
    expect(await send(p, p.proof(p.admin, PATH, BODY))).toMatchObject({ status: 401, code: 'E_REVOKED' });
    expect(up.requests).toHaveLength(1);
  });

  it('refuses a replayed signed request with 401 E_PROXY_REPLAY', async () => {
    const { up, p } = await setup();
    const proof = p.proof(p.admin, PATH, BODY);
    expect((await send(p, proof)).status).toBe(200);
    expect(await send(p, proof)).toMatchObject({ status: 401, code: 'E_PROXY_REPLAY' });
    p.clock.advance(30_000);
    expect(await send(p, proof)).toMatchObject({ status: 401, code: 'E_PROXY_REPLAY' });
    expect(up.requests).toHaveLength(1);
  });

  it('refuses a request whose body, path or method changed after signing with 401 E_AUTH_FAILED', async () => {
    const { up, p } = await setup();
    expect(await send(p, p.proof(p.admin, PATH, BODY), BODY.replace('hi', 'spend'))).toMatchObject({ status: 401, code: 'E_AUTH_FAILED' });
    expect(await send(p, p.proof(p.admin, '/v1/proxy/messages', BODY))).toMatchObject({ status: 401, code: 'E_AUTH_FAILED' });
    expect(await send(p, p.proof(p.admin, PATH, BODY, { method: 'PUT' }))).toMatchObject({ status: 401, code: 'E_AUTH_FAILED' });
    expect(up.requests).toHaveLength(0);
  });

  it('refuses a proof whose time is outside the window with 401 E_PROXY_PROOF_STALE, either way', async () => {
    const { up, p } = await setup();
    const now = p.clock.now();
    expect(await send(p, p.proof(p.admin, PATH, BODY, { time: now - 60_001 }))).toMatchObject({ status: 401, code: 'E_PROXY_PROOF_STALE' });
    expect(await send(p, p.proof(p.admin, PATH, BODY, { time: now + 60_001 }))).toMatchObject({ status: 401, code: 'E_PROXY_PROOF_STALE' });
    const signed = p.proof(p.admin, PATH, BODY);
    p.clock.advance(60_001);
    expect(await send(p, signed)).toMatchObject({ status: 401, code: 'E_PROXY_PROOF_STALE' });
    expect((await send(p, p.proof(p.admin, PATH, BODY, { time: now + 59_000 }))).status).toBe(200);
    expect(up.requests).toHaveLength(1);
  });

  it('keeps a bounded nonce cache: when full it refuses with 429 rather than forget a nonce early', async () => {
    const { up, p } = await setup({ maxNonces: 2 });
    expect((await send(p, p.proof(p.admin, PATH, BODY))).status).toBe(200);
    expect((await send(p, p.proof(p.admin, PATH, BODY))).status).toBe(200);
    const full = await send(p, p.proof(p.admin, PATH, BODY));
    expect([full.status, full.code, full.retryAfter]).toEqual([429, 'E_PROXY_RATE_LIMITED', '120']);
    p.clock.advance(120_000);
    expect((await send(p, p.proof(p.admin, PATH, BODY))).status).toBe(200);
    expect(up.requests).toHaveLength(3);
  });

  it('lets one device fill only its own share of the nonce cache, even with requests its rate limit refuses', async () => {
    const { up, p } = await setup({ maxNonces: 4, maxNoncesPerDevice: 3, requestsPerMinute: 1, burst: 1 });
    const flooder = await p.member();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await send(p, p.proof(flooder, PATH, BODY))).status);
    // One forwarded; the rest refused, first by its rate limit (their nonces kept), then by its full share.
    expect(statuses).toEqual([200, 429, 429, 429, 429, 429]);
    // Another device still gets through: the flood did not fill the cache for everyone.
    expect((await send(p, p.proof(await p.member(), PATH, BODY))).status).toBe(200);
    expect(up.requests).toHaveLength(2);
  });
});
