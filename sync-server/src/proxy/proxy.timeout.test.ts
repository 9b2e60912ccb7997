/** Upstream deadlines on the injected clock: no headers in time is a 504; silence mid-stream cuts the stream; both close the upstream request. */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../testing/wait.ts';
import { proxyHarness } from './harness.ts';

const h = proxyHarness();

describe('LLM proxy timeouts', () => {
  it('answers 504 E_PROVIDER_TIMEOUT when the upstream sends no headers in time', async () => {
    const up = await h.upstream(() => undefined);
    const p = await h.proxy({ upstreams: { openai: up.url }, firstByteTimeoutMs: 30_000 });
    const pending = fetch(`${p.url}/v1/proxy/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer k' }, body: '{}' });
    await waitFor(() => up.requests[0], 'the upstream request');
    p.clock.advance(29_999);
    expect(p.clock.pending).toBe(1);
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
    const p = await h.proxy({ upstreams: { openai: up.url }, idleTimeoutMs: 120_000 });
    const res = await fetch(`${p.url}/v1/proxy/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer k' }, body: '{"stream":true}' });
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: {"first":true}\n\n');
    await waitFor(() => p.clock.pending === 1, 'the idle timer');
    p.clock.advance(120_000);
    await expect(reader.read()).rejects.toThrow();
    expect(await up.requests[0]!.closed).toBe('aborted');
    expect(p.logs.some((l) => l.includes('"reason":"idle"'))).toBe(true);
  });

  it('answers 502 E_PROVIDER_UNAVAILABLE when the upstream cannot be reached', async () => {
    const up = await h.upstream(() => undefined);
    const gone = up.url;
    await up.close();
    const p = await h.proxy({ upstreams: { openai: gone } });
    const res = await fetch(`${p.url}/v1/proxy/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer k' }, body: '{}' });
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('E_PROVIDER_UNAVAILABLE');
  });
});
