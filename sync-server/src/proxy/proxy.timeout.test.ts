/**
 * Upstream deadlines on the injected clock: no headers in time is a 504; silence mid-stream cuts the
 * stream; a request past its total deadline (120 s streaming, 30 s otherwise) is cut with a clear
 * error; a caller that goes away aborts the upstream request. Each closes the upstream request.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../testing/wait.ts';
import { proxyHarness } from './harness.ts';

const h = proxyHarness();
const PATH = '/v1/proxy/chat/completions';
const KEY = { authorization: 'Bearer k' };

describe('LLM proxy timeouts', () => {
  it('answers 504 E_PROVIDER_TIMEOUT when the upstream sends no headers in time', async () => {
    const up = await h.upstream(() => undefined);
    const p = await h.proxy({ upstreams: { openai: up.url }, firstByteTimeoutMs: 30_000 });
    const pending = p.post(PATH, '{}', KEY);
    await waitFor(() => up.requests[0], 'the upstream request');
    p.clock.advance(29_999);
    expect(p.clock.pending).toBe(2);
    p.clock.advance(1);
    const res = await pending;
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('E_PROVIDER_TIMEOUT');
    expect(await up.requests[0]!.closed).toBe('aborted');
  });

  it('cuts a stream that goes silent past the idle deadline, after relaying what came', async () => {
    const up = await h.upstream((_r, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"first":true}\n\n');
    });
    const p = await h.proxy({ upstreams: { openai: up.url }, idleTimeoutMs: 60_000 });
    const res = await p.post(PATH, '{"stream":true}', KEY);
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: {"first":true}\n\n');
    await waitFor(() => p.clock.pending === 2, 'the idle and total timers');
    p.clock.advance(60_000);
    await expect(reader.read()).rejects.toThrow();
    expect(await up.requests[0]!.closed).toBe('aborted');
    expect(p.logs.some((l) => l.includes('"reason":"idle"'))).toBe(true);
  });

  it('cuts a stream that keeps talking past 120 s with an error event the clients read, and aborts the upstream', async () => {
    let writeMore: (() => void) | undefined;
    const up = await h.upstream((_r, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      writeMore = () => void res.write('data: {"choices":[{"delta":{"content":"x"}}]}\n\n');
      writeMore();
    });
    const p = await h.proxy({ upstreams: { openai: up.url } });
    const res = await p.post(PATH, '{"stream":true}', KEY);
    const reader = res.body!.getReader();
    let text = new TextDecoder().decode((await reader.read()).value);
    // A chunk every 30 s: never idle, so only the total deadline can end it.
    for (let t = 30_000; t < 120_000; t += 30_000) {
      p.clock.advance(30_000);
      writeMore!();
      text += new TextDecoder().decode((await reader.read()).value);
    }
    expect(text.split('data:').length - 1).toBe(4);
    p.clock.advance(30_000);
    let rest = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toMatch(/^event: error\ndata: /);
    const event = JSON.parse(rest.split('data: ')[1]!) as { type: string; error: { type: string; code: string; message: string } };
    expect(event).toMatchObject({ type: 'error', error: { type: 'timeout_error', code: 'E_PROXY_DEADLINE' } });
    expect(event.error.message).toContain('120 s');
    expect(await up.requests[0]!.closed).toBe('aborted');
    expect(p.logs.some((l) => l.includes('"reason":"deadline"'))).toBe(true);
  });

  it('answers 504 E_PROXY_DEADLINE to a non-streaming request still waiting at 30 s', async () => {
    const up = await h.upstream(() => undefined);
    const p = await h.proxy({ upstreams: { openai: up.url }, firstByteTimeoutMs: 60_000 });
    const pending = p.post(PATH, '{"model":"m"}', KEY);
    await waitFor(() => up.requests[0], 'the upstream request');
    p.clock.advance(30_000);
    const res = await pending;
    expect([res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([504, 'E_PROXY_DEADLINE']);
    expect(await up.requests[0]!.closed).toBe('aborted');
  });

  it('aborts the upstream request when the caller goes away before the answer starts', async () => {
    const up = await h.upstream(() => undefined);
    const p = await h.proxy({ upstreams: { openai: up.url } });
    const controller = new AbortController();
    const pending = fetch(`${p.url}${PATH}`, { method: 'POST', headers: { ...p.proof(p.admin, PATH, '{"stream":true}'), ...KEY }, body: '{"stream":true}', signal: controller.signal });
    await waitFor(() => up.requests[0], 'the upstream request');
    controller.abort();
    await expect(pending).rejects.toThrow();
    expect(await up.requests[0]!.closed).toBe('aborted');
  });

  it('answers 502 E_PROVIDER_UNAVAILABLE when the upstream cannot be reached', async () => {
    const up = await h.upstream(() => undefined);
    const gone = up.url;
    await up.close();
    const p = await h.proxy({ upstreams: { openai: gone } });
    const res = await p.post(PATH, '{}', KEY);
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('E_PROVIDER_UNAVAILABLE');
  });
});
