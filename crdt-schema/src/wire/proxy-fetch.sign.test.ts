/** The signing fetch: each call carries a proof that checks for exactly the URL path, method and body sent, with a fresh nonce. */
import { describe, expect, it } from 'vitest';
import { generateDeviceIdentity } from '../crypto/keys.ts';
import { loadCrypto } from '../crypto/load.ts';
import { newWorkspaceId } from '../ids.ts';
import { signingFetch } from './proxy-fetch.ts';
import { checkProxyProof, PROXY_PROOF_HEADER } from './proxy-proof.ts';

const crypto = await loadCrypto();

describe('signingFetch', () => {
  it('adds a proof for the path, method and body it sends, keeping the other headers', async () => {
    const device = generateDeviceIdentity(crypto);
    const workspace = newWorkspaceId();
    const sent: { url: string; headers: Headers; body: string }[] = [];
    const recorder: typeof fetch = async (input, init) => {
      sent.push({ url: String(input), headers: new Headers(init?.headers), body: String(init?.body) });
      return new Response('{}');
    };
    const f = signingFetch({ workspace, device: device.deviceId, sign: (m) => crypto.sign(m, device.signSecretKey.expose()), now: () => 5_000, randomBytes: (n) => crypto.randomBytes(n) }, recorder);
    const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Grüße' }] });
    await f('https://relay.example/v1/proxy/chat/completions?x=1', { method: 'post', headers: { authorization: 'Bearer k' }, body });
    await f('https://relay.example/v1/proxy/chat/completions?x=1', { method: 'POST', headers: { authorization: 'Bearer k' }, body });
    const [first, second] = sent;
    expect(first!.headers.get('authorization')).toBe('Bearer k');
    const check = (proof: string | null, path: string, b: string) =>
      checkProxyProof(proof ?? undefined, { method: 'POST', path, body: new TextEncoder().encode(b) }, { now: () => 5_000, verify: (k, m, s) => crypto.verify(s, m, k) });
    const ok = check(first!.headers.get(PROXY_PROOF_HEADER), '/v1/proxy/chat/completions?x=1', body);
    expect(ok.ok && [ok.proof.workspace, ok.proof.device]).toEqual([workspace, device.deviceId]);
    expect(check(first!.headers.get(PROXY_PROOF_HEADER), '/v1/proxy/chat/completions', body).ok).toBe(false);
    expect(check(first!.headers.get(PROXY_PROOF_HEADER), '/v1/proxy/chat/completions?x=1', body + ' ').ok).toBe(false);
    expect(second!.headers.get(PROXY_PROOF_HEADER)).not.toBe(first!.headers.get(PROXY_PROOF_HEADER));
    expect(() => f(new Request('https://relay.example/x'), {})).toThrow(/URL/);
  });
});
