/** Provider calls through the relay's proxy (OpenAI, Gemini) use the device-signed fetch; direct calls never do. */
import { describe, expect, it } from 'vitest';
import { loadCrypto } from '@tendril/crdt-schema/crypto';
import { generateDeviceIdentity } from '@tendril/crdt-schema/crypto';
import { newWorkspaceId } from '@tendril/crdt-schema/ids';
import { checkProxyProof, PROXY_PROOF_HEADER } from '@tendril/crdt-schema/wire';
import { connectPolicy } from './connect-policy.ts';
import { checkProvider } from './provider-check.ts';
import { deviceProxyFetch, relayNow } from './proxy-fetch.ts';

const ORIGIN = 'https://relay.example.org';
const policy = connectPolicy("default-src 'self'; connect-src 'self' http://127.0.0.1:*", ORIGIN);

describe('provider check routes', () => {
  it('signs a proxied OpenAI call with the device key, and leaves a direct call unsigned', async () => {
    const crypto = await loadCrypto();
    const identity = generateDeviceIdentity(crypto);
    const workspace = newWorkspaceId();
    const calls: { url: string; headers: Headers; body: string }[] = [];
    const recorder: typeof fetch = async (input, init) => {
      calls.push({ url: String(input), headers: new Headers(init?.headers), body: String(init?.body) });
      return new Response('{"error":{"message":"stop here"}}', { status: 400 });
    };
    const proxyFetch = deviceProxyFetch(crypto, { identity, config: { workspace } }, { fetch: recorder });
    const drain = async (c: ReturnType<typeof checkProvider>) => {
      try {
        for await (const _ of c.run('hi')) void _;
      } catch {
        // the recorder answers 400: only the request matters here
      }
    };
    await drain(checkProvider({ id: 'openai', kind: 'openai', model: 'gpt-4o', apiKey: 'sk-1' }, policy, ORIGIN, { fetch: recorder }, proxyFetch));
    await drain(checkProvider({ id: 'local', kind: 'ollama', model: 'llama' }, policy, ORIGIN, { fetch: recorder }, proxyFetch));
    expect(calls.map((c) => c.url)).toEqual([`${ORIGIN}/v1/proxy/chat/completions`, 'http://127.0.0.1:11434/v1/chat/completions']);
    const proof = calls[0]!.headers.get(PROXY_PROOF_HEADER) ?? undefined;
    const checked = checkProxyProof(proof, { method: 'POST', path: '/v1/proxy/chat/completions', body: new TextEncoder().encode(calls[0]!.body) }, { now: () => Date.now(), verify: (k, m, s) => crypto.verify(s, m, k) });
    expect(checked.ok && [checked.proof.workspace, checked.proof.device]).toEqual([workspace, identity.deviceId]);
    expect(calls[1]!.headers.get(PROXY_PROOF_HEADER)).toBeNull();
  });

  it('sends Gemini through the proxy, signed over its path with ?alt=sse, with the key in x-goog-api-key', async () => {
    const crypto = await loadCrypto();
    const identity = generateDeviceIdentity(crypto);
    const workspace = newWorkspaceId();
    const calls: { url: string; headers: Headers; body: string }[] = [];
    const recorder: typeof fetch = async (input, init) => {
      calls.push({ url: String(input), headers: new Headers(init?.headers), body: String(init?.body) });
      return new Response('{"error":{"code":400,"message":"stop here","status":"INVALID_ARGUMENT"}}', { status: 400 });
    };
    const proxyFetch = deviceProxyFetch(crypto, { identity, config: { workspace } }, { fetch: recorder });
    try {
      for await (const _ of checkProvider({ id: 'g', kind: 'gemini', model: 'gemini-2.5-flash', apiKey: 'AIza-1' }, policy, ORIGIN, { fetch: recorder }, proxyFetch).run('hi')) void _;
    } catch {
      // the recorder answers 400: only the request matters here
    }
    const path = '/v1/proxy/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse';
    expect(calls.map((c) => c.url)).toEqual([`${ORIGIN}${path}`]);
    expect(calls[0]!.headers.get('x-goog-api-key')).toBe('AIza-1');
    const checked = checkProxyProof(calls[0]!.headers.get(PROXY_PROOF_HEADER) ?? undefined, { method: 'POST', path, body: new TextEncoder().encode(calls[0]!.body) }, { now: () => Date.now(), verify: (k, m, s) => crypto.verify(s, m, k) });
    expect(checked.ok && checked.proof.device).toBe(identity.deviceId);
  });

  it('signs on the relay clock its Welcome reported, so a device clock minutes off is not refused as stale', async () => {
    const crypto = await loadCrypto();
    const identity = generateDeviceIdentity(crypto);
    const workspace = newWorkspaceId();
    const skew = 10 * 60_000;
    const observed = { address: '', serverTime: Date.now() + skew, at: Date.now() };
    const proofs: string[] = [];
    const recorder: typeof fetch = async (_input, init) => {
      proofs.push(new Headers(init?.headers).get(PROXY_PROOF_HEADER)!);
      return new Response('{}');
    };
    await deviceProxyFetch(crypto, { identity, config: { workspace } }, { fetch: recorder, observed: () => observed })('https://relay.example/v1/proxy/chat/completions', { method: 'POST', body: '{}' });
    const relayClock = { now: () => Date.now() + skew, verify: (k: Uint8Array, m: Uint8Array, s: Uint8Array) => crypto.verify(s, m, k) };
    expect(checkProxyProof(proofs[0], { method: 'POST', path: '/v1/proxy/chat/completions', body: new TextEncoder().encode('{}') }, relayClock).ok).toBe(true);
    expect(relayNow(null, 5)).toBe(5);
  });
});
