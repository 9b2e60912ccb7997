/**
 * The LLM proxy is mounted on the real relay process: a browser-style
 * request with its own key streams back from the (fake) upstream byte for
 * byte, the key reaches the upstream, and the relay's log records usage
 * without the key; a kill switch from the environment answers 503.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { eventually, startRelayProcess, tempDir, type RelayProcess } from './harness.ts';

describe('LLM proxy on the relay', () => {
  const dir = tempDir('proxy');
  let fake: FakeProvider;
  let relay: RelayProcess;
  let stderr = '';
  beforeAll(async () => {
    fake = await startFakeProvider({ apiKey: 'sk-proxy-canary', fallback: { text: ['Hi', ' there'] } });
    relay = await startRelayProcess(join(dir.path, 'relay'), 0, [], { TENDRIL_PROXY_OPENAI_URL: `${fake.url}/v1`, TENDRIL_PROXY_DISABLE: 'anthropic' });
    relay.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  });
  afterAll(async () => {
    await relay?.kill();
    await fake?.close();
    dir.remove();
  });

  it('streams an OpenAI answer through, with the caller key, and logs usage without it', async () => {
    const res = await fetch(`${relay.url}/v1/proxy/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-proxy-canary' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hello' }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const body = await res.text();
    expect(body).toContain('"content":"Hi"');
    expect(body.trim().endsWith('data: [DONE]')).toBe(true);
    expect(fake.requests.at(-1)!.headers.authorization).toBe('Bearer sk-proxy-canary');
    await eventually(() => stderr.includes('proxy.usage'), 15_000, 'the usage log line');
    const usage = JSON.parse(stderr.split('\n').find((l) => l.includes('proxy.usage'))!) as { model: string; costUsd: unknown };
    // The relay the tests start is the one users start: it prices usage with the model cost table.
    expect(usage).toMatchObject({ model: 'gpt-4o-mini', costUsd: expect.any(Number) });
    expect(stderr).not.toContain('sk-proxy-canary');
  });

  it('answers 503 for a provider switched off', async () => {
    const res = await fetch(`${relay.url}/v1/proxy/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(503);
  });
});

describe('LLM proxy rate limit on the relay process', () => {
  const dir = tempDir('proxy-rate');
  let fake: FakeProvider;
  let relay: RelayProcess;
  beforeAll(async () => {
    fake = await startFakeProvider({ apiKey: 'sk-rate', fallback: { text: ['ok'] } });
    relay = await startRelayProcess(join(dir.path, 'relay'), 0, [], { TENDRIL_PROXY_OPENAI_URL: `${fake.url}/v1`, TENDRIL_PROXY_RPM: '30', TENDRIL_PROXY_BURST: '2' });
  });
  afterAll(async () => {
    await relay?.kill();
    await fake?.close();
    dir.remove();
  });

  const ask = async (user: string) => {
    const res = await fetch(`${relay.url}/v1/proxy/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-rate', 'x-tendril-user': user },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] }),
    });
    const text = await res.text();
    return { status: res.status, retryAfter: res.headers.get('retry-after'), code: res.status === 200 ? undefined : (JSON.parse(text) as { error: { code: string } }).error.code };
  };

  it('refuses a member past the burst with 429 E_PROXY_RATE_LIMITED and Retry-After, leaves other members alone, and admits again after the window', async () => {
    expect((await ask('alice')).status).toBe(200);
    expect((await ask('alice')).status).toBe(200);
    const refused = await ask('alice');
    expect(refused).toMatchObject({ status: 429, code: 'E_PROXY_RATE_LIMITED' });
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    const upstreamCalls = fake.requests.length;
    expect((await ask('bob')).status).toBe(200);
    expect(fake.requests.length).toBe(upstreamCalls + 1);
    // One token comes back every two seconds at 30 a minute: poll until alice is admitted again.
    let again = refused;
    await eventually(async () => (again = await ask('alice')).status === 200, 20_000, 'alice admitted after the window');
    expect(again.status).toBe(200);
  }, 60_000);
});
