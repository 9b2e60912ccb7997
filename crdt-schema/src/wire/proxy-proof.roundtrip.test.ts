/** The proxy proof: what a device signs the relay accepts; any change to the request, the fields or the time is refused. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateDeviceIdentity } from '../crypto/keys.ts';
import { loadCrypto } from '../crypto/load.ts';
import { newWorkspaceId, toBase64Url } from '../ids.ts';
import { checkProxyProof, readProxyProof, signProxyRequest, writeProxyProof, type ProxyRequestParts } from './proxy-proof.ts';

const crypto = await loadCrypto();
const device = generateDeviceIdentity(crypto);
const workspace = newWorkspaceId();
const T = 1_700_000_000_000;
const signer = { workspace, device: device.deviceId, sign: (m: Uint8Array) => crypto.sign(m, device.signSecretKey.expose()), now: () => T, randomBytes: (n: number) => crypto.randomBytes(n) };
const checker = (now = T) => ({ now: () => now, verify: (k: Uint8Array, m: Uint8Array, s: Uint8Array) => crypto.verify(s, m, k) });
const req: ProxyRequestParts = { method: 'POST', path: '/v1/proxy/chat/completions', body: new TextEncoder().encode('{"model":"gpt-4o","messages":[]}') };

describe('proxy proof', () => {
  it('round-trips: a signed request checks, naming its workspace and device', () => {
    const header = signProxyRequest(signer, req);
    const got = checkProxyProof(header, req, checker());
    expect(got.ok).toBe(true);
    if (got.ok) expect([got.proof.workspace, got.proof.device, got.proof.time, got.deviceKey]).toEqual([workspace, device.deviceId, T, device.signPublicKey]);
    const parsed = readProxyProof(header)!;
    expect(writeProxyProof(parsed)).toBe(header);
    // The portable hash and node's agree, so the relay may use either.
    const nodeSha = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());
    expect(checkProxyProof(header, req, { ...checker(), sha256: nodeSha }).ok).toBe(true);
  });

  it('refuses a changed body, method, path, workspace, device, time or signature', () => {
    const header = signProxyRequest(signer, req);
    const p = readProxyProof(header)!;
    const other = generateDeviceIdentity(crypto);
    const reason = (h: string, r: ProxyRequestParts = req) => { const c = checkProxyProof(h, r, checker()); return c.ok ? 'ok' : c.reason; };
    expect(reason(header, { ...req, body: new TextEncoder().encode('{"model":"gpt-4o","messages":[1]}') })).toBe('signature');
    expect(reason(header, { ...req, method: 'PUT' })).toBe('signature');
    expect(reason(header, { ...req, path: '/v1/proxy/messages' })).toBe('signature');
    expect(reason(writeProxyProof({ ...p, workspace: newWorkspaceId() }))).toBe('signature');
    expect(reason(writeProxyProof({ ...p, device: other.deviceId }))).toBe('signature');
    expect(reason(writeProxyProof({ ...p, time: T + 1 }))).toBe('signature');
    const sig = p.signature.slice();
    sig[0]! ^= 1;
    expect(reason(writeProxyProof({ ...p, signature: sig }))).toBe('signature');
    const nonce = p.nonce.slice();
    nonce[3]! ^= 1;
    expect(reason(writeProxyProof({ ...p, nonce }))).toBe('signature');
  });

  it('refuses a proof outside the time window either way, and malformed headers', () => {
    const header = signProxyRequest(signer, req);
    const at = (now: number) => { const c = checkProxyProof(header, req, checker(now)); return c.ok ? 'ok' : c.reason; };
    expect([at(T + 60_000), at(T - 60_000), at(T + 60_001), at(T - 60_001)]).toEqual(['ok', 'ok', 'stale', 'stale']);
    const p = readProxyProof(header)!;
    for (const bad of [undefined, '', 'v2' + header.slice(2), header + '.x', header.replace(/\.\d+\./, '.12a.'), `v1.${workspace}.${device.deviceId}.${T}.${toBase64Url(p.nonce)}.AAAA`, header.replace(device.deviceId, 'x'.repeat(43))]) {
      const c = checkProxyProof(bad, req, checker());
      expect(c.ok ? 'ok' : c.reason, String(bad)).toBe('malformed');
    }
  });

  it('uses a fresh nonce per request', () => {
    const a = readProxyProof(signProxyRequest(signer, req))!;
    const b = readProxyProof(signProxyRequest(signer, req))!;
    expect(toBase64Url(a.nonce)).not.toBe(toBase64Url(b.nonce));
  });
});
