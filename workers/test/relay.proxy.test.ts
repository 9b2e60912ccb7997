/**
 * The LLM proxy is mounted on the real relay process and serves member devices only: a request
 * signed by a device of a workspace registered at the relay streams back from the (fake) upstream
 * byte for byte, the key reaches the upstream, and the relay's log records usage without the key;
 * an unsigned request is refused; a kill switch from the environment answers 503; limits hold per
 * device whatever headers the caller sets. The workers' Gemini adapter streams through it with the
 * device-signed fetch, and model lists (a signed GET) come from the relay's cache the second time.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCrypto, type CryptoProvider } from '@tendril/crdt-schema/crypto';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { PROXY_PROOF_HEADER, signingFetch, signProxyRequest } from '@tendril/crdt-schema/wire';
import { openHome } from '../src/home/device-home.ts';
import { createGeminiProvider } from '../src/llm/gemini.ts';
import { createOpenAiProvider } from '../src/llm/openai.ts';
import type { LlmEvent } from '../src/llm/types.ts';
import { cliOk, eventually, startRelayProcess, tempDir, type RelayProcess } from './harness.ts';

/** A workspace registered at the relay by `tendril init`; returns a fetch that signs as its device. */
async function memberFetch(crypto: CryptoProvider, home: string, relayUrl: string) {
  await cliOk('init', '--home', home, '--relay', relayUrl, '--name', 'op');
  const h = openHome(crypto, home);
  const { identity } = h;
  const workspace = h.config.workspace;
  h.close();
  return (path: string, init: { headers: Record<string, string>; body: string }) =>
    fetch(`${relayUrl}${path}`, {
      method: 'POST',
      body: init.body,
      headers: {
        ...init.headers,
        [PROXY_PROOF_HEADER]: signProxyRequest(
          { workspace, device: identity.deviceId, sign: (m) => crypto.sign(m, identity.signSecretKey.expose()), now: () => Date.now(), randomBytes: (n) => crypto.randomBytes(n) },
          { method: 'POST', path, body: new TextEncoder().encode(init.body) },
        ),
      },
    });
}

/** A fetch that signs every request as the device of an initialised home. */
function deviceFetch(crypto: CryptoProvider, home: string): typeof fetch {
  const h = openHome(crypto, home);
  const { identity } = h;
  const workspace = h.config.workspace;
  h.close();
  return signingFetch({ workspace, device: identity.deviceId, sign: (m) => crypto.sign(m, identity.signSecretKey.expose()), now: () => Date.now(), randomBytes: (n) => crypto.randomBytes(n) });
}

describe('LLM proxy on the relay', () => {
  const dir = tempDir('proxy');
  let fake: FakeProvider;
  let relay: RelayProcess;
  let stderr = '';
  let signed: Awaited<ReturnType<typeof memberFetch>>;
  let proxyFetch: typeof fetch;
  beforeAll(async () => {
    fake = await startFakeProvider({ apiKey: 'sk-proxy-canary', fallback: { text: ['Hi', ' there'] } });
    relay = await startRelayProcess(join(dir.path, 'relay'), 0, [], { TENDRIL_PROXY_OPENAI_URL: `${fake.url}/v1`, TENDRIL_PROXY_GEMINI_URL: fake.url, TENDRIL_PROXY_DISABLE: 'anthropic' });
    relay.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const crypto = await loadCrypto();
    signed = await memberFetch(crypto, join(dir.path, 'home'), relay.url);
    proxyFetch = deviceFetch(crypto, join(dir.path, 'home'));
  }, 60_000);
  afterAll(async () => {
    await relay?.kill();
    await fake?.close();
    dir.remove();
  });

  it('streams an OpenAI answer through to a member device, with the caller key, and logs usage without it', async () => {
    const res = await signed('/v1/proxy/chat/completions', {
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

  it('refuses an unsigned request with 401 before it reaches the provider', async () => {
    const before = fake.requests.length;
    const res = await fetch(`${relay.url}/v1/proxy/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-proxy-canary', 'x-tendril-user': 'anyone' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('E_PROXY_PROOF');
    expect(fake.requests.length).toBe(before);
  });

  it('streams a Gemini answer to the workers\' Gemini adapter through the proxy, and logs its usage', async () => {
    const llm = createGeminiProvider({ baseUrl: `${relay.url}/v1/proxy/gemini`, apiKey: 'sk-proxy-canary' }, { fetch: proxyFetch });
    const events: LlmEvent[] = [];
    for await (const e of llm.stream({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hello gemini' }] })) events.push(e);
    expect(events.filter((e) => e.type === 'text').map((e) => (e as { text: string }).text).join('')).toBe('Hi there');
    const req = fake.requests.at(-1)!;
    expect([req.dialect, req.path, req.query, req.headers['x-goog-api-key']]).toEqual(['gemini', '/v1beta/models/gemini-2.5-flash:streamGenerateContent', { alt: 'sse' }, 'sk-proxy-canary']);
    await eventually(() => stderr.split('\n').some((l) => l.includes('proxy.usage') && l.includes('"provider":"gemini"')), 15_000, 'the Gemini usage log line');
    expect(stderr).not.toContain('sk-proxy-canary');
  });

  it('serves a model list to a signed GET, the second time from its cache', async () => {
    const before = fake.requests.length;
    const first = await proxyFetch(`${relay.url}/v1/proxy/models`, { headers: { authorization: 'Bearer sk-proxy-canary' } });
    expect([first.status, first.headers.get('x-tendril-cache')]).toEqual([200, 'miss']);
    const second = await proxyFetch(`${relay.url}/v1/proxy/models`, { headers: { authorization: 'Bearer sk-proxy-canary' } });
    expect([second.status, second.headers.get('x-tendril-cache')]).toEqual([200, 'hit']);
    expect(await second.json()).toEqual(await first.json());
    expect(fake.requests.length).toBe(before + 1);
    const unsigned = await fetch(`${relay.url}/v1/proxy/models`, { headers: { authorization: 'Bearer sk-proxy-canary' } });
    expect(unsigned.status).toBe(401);
  });

  it('answers 503 for a provider switched off', async () => {
    const res = await signed('/v1/proxy/messages', {
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
  let alice: Awaited<ReturnType<typeof memberFetch>>;
  let bob: Awaited<ReturnType<typeof memberFetch>>;
  beforeAll(async () => {
    fake = await startFakeProvider({ apiKey: 'sk-rate', fallback: { text: ['ok'] } });
    relay = await startRelayProcess(join(dir.path, 'relay'), 0, ['--proxy-burst', '2'], { TENDRIL_PROXY_OPENAI_URL: `${fake.url}/v1`, TENDRIL_PROXY_RPM: '30' });
    const crypto = await loadCrypto();
    alice = await memberFetch(crypto, join(dir.path, 'alice'), relay.url);
    bob = await memberFetch(crypto, join(dir.path, 'bob'), relay.url);
  }, 60_000);
  afterAll(async () => {
    await relay?.kill();
    await fake?.close();
    dir.remove();
  });

  const ask = async (who: typeof alice, user: string) => {
    const res = await who('/v1/proxy/chat/completions', {
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-rate', 'x-tendril-user': user },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] }),
    });
    const text = await res.text();
    return { status: res.status, retryAfter: res.headers.get('retry-after'), code: res.status === 200 ? undefined : (JSON.parse(text) as { error: { code: string } }).error.code };
  };

  it('refuses a device past the burst with 429 E_PROXY_RATE_LIMITED and Retry-After whatever user header it sends, leaves other devices alone, and admits again after the window', async () => {
    expect((await ask(alice, 'alice')).status).toBe(200);
    expect((await ask(alice, 'alice')).status).toBe(200);
    const refused = await ask(alice, 'someone-else');
    expect(refused).toMatchObject({ status: 429, code: 'E_PROXY_RATE_LIMITED' });
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    const upstreamCalls = fake.requests.length;
    expect((await ask(bob, 'alice')).status).toBe(200);
    expect(fake.requests.length).toBe(upstreamCalls + 1);
    // One token comes back every two seconds at 30 a minute: poll until alice is admitted again.
    let again = refused;
    await eventually(async () => (again = await ask(alice, 'alice')).status === 200, 20_000, 'alice admitted after the window');
    expect(again.status).toBe(200);
  }, 60_000);
});

describe('LLM proxy total deadline on the relay process', () => {
  const dir = tempDir('proxy-deadline');
  let fake: FakeProvider;
  let relay: RelayProcess;
  let proxyFetch: typeof fetch;
  beforeAll(async () => {
    // Sixty pieces 100 ms apart: never idle, but far longer than the relay's total limit for the test.
    fake = await startFakeProvider({ apiKey: 'sk-long', fallback: { text: Array.from({ length: 60 }, (_, i) => `w${i} `), chunkDelayMs: 100 } });
    relay = await startRelayProcess(join(dir.path, 'relay'), 0, ['--proxy-stream-timeout-ms', '1500'], { TENDRIL_PROXY_OPENAI_URL: `${fake.url}/v1` });
    const crypto = await loadCrypto();
    const home = join(dir.path, 'home');
    await cliOk('init', '--home', home, '--relay', relay.url, '--name', 'op');
    const h = openHome(crypto, home);
    const { identity } = h;
    const workspace = h.config.workspace;
    h.close();
    proxyFetch = signingFetch({ workspace, device: identity.deviceId, sign: (m) => crypto.sign(m, identity.signSecretKey.expose()), now: () => Date.now(), randomBytes: (n) => crypto.randomBytes(n) });
  }, 60_000);
  afterAll(async () => {
    await relay?.kill();
    await fake?.close();
    dir.remove();
  });

  it('cuts a stream at its total limit with an error the OpenAI adapter reports, keeping the text before it', async () => {
    const llm = createOpenAiProvider({ baseUrl: `${relay.url}/v1/proxy`, apiKey: 'sk-long' }, { fetch: proxyFetch });
    const events: LlmEvent[] = [];
    let error: unknown;
    try {
      for await (const e of llm.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'talk a long time' }] })) events.push(e);
    } catch (err) {
      error = err;
    }
    expect(events.some((e) => e.type === 'text')).toBe(true);
    expect(events.some((e) => e.type === 'done')).toBe(false);
    expect(error).toMatchObject({ code: 'E_PROVIDER_STREAM' });
    expect(String((error as Error).message)).toMatch(/timeout_error.*cut the stream at its 1.5 s limit/);
  }, 60_000);
});
