/**
 * One `proxy.usage` log line per request, answered or refused: provider, model, tokens, latency
 * (first byte and total), estimated cost, error code, route template, workspace and device. No
 * line carries the key, the proof, the query or the content, whatever the request held.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../testing/wait.ts';
import { replyJson } from './fake-upstream.ts';
import { proxyHarness, type ProxyUnderTest } from './harness.ts';

const h = proxyHarness();
const KEY = 'sk-proj-LEAKCANARY0123456789';
const CONTENT = 'the secret plan is PURPLE-OTTER';
const PATH = '/v1/proxy/chat/completions';

const usageLines = (p: ProxyUnderTest) => p.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === 'proxy.usage');

describe('proxy usage events', () => {
  it('writes one line for an answered stream with every field, latency from the clock, and no key or content', async () => {
    const at: { proxy?: ProxyUnderTest; headersSeen?: () => void } = {};
    const headersSeen = new Promise<void>((resolve) => (at.headersSeen = resolve));
    const up = await h.upstream(async (_r, res) => {
      at.proxy!.clock.advance(120); // the upstream thinks before its first byte
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      await headersSeen; // the caller has the headers: the first byte was timed
      at.proxy!.clock.advance(380);
      const events = [
        `data: ${JSON.stringify({ model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: CONTENT } }] })}\n\n`,
        `data: ${JSON.stringify({ model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 40, completion_tokens: 10 } })}\n\n`,
        'data: [DONE]\n\n',
      ];
      res.end(events.join(''));
    });
    const p = await h.proxy({ upstreams: { openai: up.url } }, { estimateCost: (_m, u) => (u.inputTokens * 2 + u.outputTokens * 8) / 1e6 });
    at.proxy = p;
    const body = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: CONTENT }] });
    const res = await fetch(`${p.url}${PATH}?trace=${encodeURIComponent(CONTENT)}`, {
      method: 'POST',
      headers: { ...p.proof(p.admin, `${PATH}?trace=${encodeURIComponent(CONTENT)}`, body), authorization: `Bearer ${KEY}`, 'x-api-key': KEY, 'x-tendril-user': KEY },
      body,
    });
    at.headersSeen!();
    expect(await res.text()).toContain(CONTENT);
    const lines = usageLines(p);
    expect(lines).toHaveLength(1);
    const { t: _t, level, ...line } = lines[0]!;
    expect(level).toBe('info');
    expect(line).toEqual({
      event: 'proxy.usage',
      route: PATH,
      provider: 'openai',
      status: 200,
      error: null,
      limitScope: null,
      workspace: p.admin.workspace,
      device: p.admin.key.id,
      model: 'gpt-4o-mini',
      inputTokens: 40,
      outputTokens: 10,
      estimated: false,
      costUsd: 160e-6,
      firstByteMs: 120,
      totalMs: 500,
      at: p.clock.now(),
    });
    const all = p.logs.join('\n');
    expect(all).not.toContain('LEAKCANARY');
    expect(all).not.toContain('PURPLE-OTTER');
    expect(all).not.toContain('x-tendril-proof');
  });

  it('writes a line for each refusal and failure with its status and code, and no key', async () => {
    const up = await h.upstream((r, res) => {
      if (r.body.includes('fail')) replyJson(res, 500, { error: { message: 'boom' } });
      else if (r.body.includes('auth')) replyJson(res, 401, { error: { message: 'bad key' } });
      else replyJson(res, 200, { model: 'gpt-4o', usage: { prompt_tokens: 1, completion_tokens: 1 } });
    });
    let killed = false;
    const p = await h.proxy({ upstreams: { openai: up.url, anthropic: 'http://127.0.0.1:1' }, burst: 4, requestsPerMinute: 1 }, { isDisabled: () => killed });
    const ok = JSON.stringify({ model: 'gpt-4o', messages: [] });
    const auth = { authorization: `Bearer ${KEY}` };
    // Unsigned: refused before the proof names anyone.
    expect((await fetch(`${p.url}${PATH}`, { method: 'POST', headers: auth, body: ok })).status).toBe(401);
    expect((await p.post(PATH, JSON.stringify({ model: 'gpt-4o', note: 'fail' }), auth)).status).toBe(500);
    expect((await p.post(PATH, JSON.stringify({ model: 'gpt-4o', note: 'auth' }), auth)).status).toBe(401);
    expect((await p.post('/v1/proxy/messages', JSON.stringify({ model: 'claude-3-5-haiku' }), { 'x-api-key': KEY })).status).toBe(502);
    expect((await p.post(PATH, ok, auth)).status).toBe(200);
    expect((await p.post(PATH, ok, auth)).status).toBe(429);
    killed = true;
    expect((await p.post(PATH, ok, auth)).status).toBe(503);
    const lines = usageLines(p).map((l) => [l.provider, l.status, l.error, l.limitScope, l.device === null ? 'nobody' : 'device', l.route]);
    expect(lines).toEqual([
      ['openai', 401, 'E_PROXY_PROOF', null, 'nobody', PATH],
      ['openai', 500, 'E_PROVIDER_UNAVAILABLE', null, 'device', PATH],
      ['openai', 401, 'E_PROVIDER_AUTH', null, 'device', PATH],
      ['anthropic', 502, 'E_PROVIDER_UNAVAILABLE', null, 'device', '/v1/proxy/messages'],
      ['openai', 200, null, null, 'device', PATH],
      ['openai', 429, 'E_PROXY_RATE_LIMITED', 'device', 'device', PATH],
      ['openai', 503, 'E_PROXY_DISABLED', null, 'nobody', PATH],
    ]);
    expect(p.logs.join('\n')).not.toContain('LEAKCANARY');
  });

  it('keeps at most 128 characters of the model name the caller sent', async () => {
    const up = await h.upstream((_r, res) => replyJson(res, 200, { usage: { prompt_tokens: 1, completion_tokens: 1 } }));
    const p = await h.proxy({ upstreams: { openai: up.url } });
    expect((await p.post(PATH, JSON.stringify({ model: 'm'.repeat(100_000), messages: [] }), { authorization: 'Bearer sk-x' })).status).toBe(200);
    expect(usageLines(p)[0]!.model).toBe('m'.repeat(128));
  });

  it('writes a line with E_ABORTED when the caller goes away mid-stream', async () => {
    const hold: (() => void)[] = [];
    const up = await h.upstream(async (_r, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"choices":[{"index":0,"delta":{"content":"par"}}]}\n\n');
      await new Promise<void>((resolve) => hold.push(resolve));
    });
    const p = await h.proxy({ upstreams: { openai: up.url } });
    const stop = new AbortController();
    const body = JSON.stringify({ model: 'gpt-4o', stream: true, messages: [] });
    const res = await fetch(`${p.url}${PATH}`, { method: 'POST', headers: { ...p.proof(p.admin, PATH, body), authorization: `Bearer ${KEY}` }, body, signal: stop.signal });
    await res.body!.getReader().read();
    stop.abort();
    const [line] = await waitFor(() => usageLines(p).length === 1 && usageLines(p), 'the usage line');
    expect(line).toMatchObject({ status: 200, error: 'E_ABORTED', provider: 'openai', model: 'gpt-4o', device: p.admin.key.id });
    expect(await up.requests[0]!.closed).toBe('aborted');
    hold.forEach((release) => release());
  });
});
