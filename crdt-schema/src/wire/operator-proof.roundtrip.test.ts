/** The operator proof: what the operator key signs the relay accepts; another key, another request, a device's proxy proof or a stale time is refused. */
import { describe, expect, it } from 'vitest';
import { generateDeviceIdentity } from '../crypto/keys.ts';
import { loadCrypto } from '../crypto/load.ts';
import { newWorkspaceId } from '../ids.ts';
import { checkOperatorProof, readOperatorProof, signOperatorRequest, writeOperatorProof } from './operator-proof.ts';
import { proxyProofBytes, type ProxyRequestParts } from './proxy-proof.ts';
import { digest } from 'lib0/hash/sha256';

const crypto = await loadCrypto();
const operator = generateDeviceIdentity(crypto);
const T = 1_700_000_000_000;
const signer = (key = operator) => ({ sign: (m: Uint8Array) => crypto.sign(m, key.signSecretKey.expose()), now: () => T, randomBytes: (n: number) => crypto.randomBytes(n) });
const checker = (now = T) => ({ operatorKey: operator.signPublicKey, now: () => now, windowMs: 60_000, verify: (k: Uint8Array, m: Uint8Array, s: Uint8Array) => crypto.verify(s, m, k) });
const req: ProxyRequestParts = { method: 'POST', path: '/v1/proxy/admin/kill', body: new TextEncoder().encode('{"provider":"openai"}') };
const reason = (h: string | undefined, r = req, now = T) => { const c = checkOperatorProof(h, r, checker(now)); return c.ok ? 'ok' : c.reason; };

describe('operator proof', () => {
  it('round-trips, and refuses another key, body, method, path, time, nonce or signature', () => {
    const header = signOperatorRequest(signer(), req);
    expect(reason(header)).toBe('ok');
    const p = readOperatorProof(header)!;
    expect(writeOperatorProof(p)).toBe(header);
    expect(reason(signOperatorRequest(signer(generateDeviceIdentity(crypto)), req))).toBe('signature');
    expect(reason(header, { ...req, body: new TextEncoder().encode('{"provider":"anthropic"}') })).toBe('signature');
    expect(reason(header, { ...req, method: 'PUT' })).toBe('signature');
    expect(reason(header, { ...req, path: '/v1/proxy/admin/revive' })).toBe('signature');
    expect(reason(writeOperatorProof({ ...p, time: T + 1 }))).toBe('signature');
    const nonce = p.nonce.slice();
    nonce[0]! ^= 1;
    expect(reason(writeOperatorProof({ ...p, nonce }))).toBe('signature');
  });

  it('refuses a time outside the window either way, and malformed headers', () => {
    const header = signOperatorRequest(signer(), req);
    expect([reason(header, req, T + 60_000), reason(header, req, T - 60_001), reason(header, req, T + 60_001)]).toEqual(['ok', 'stale', 'stale']);
    for (const bad of [undefined, '', 'v2' + header.slice(2), header + '.x', header.replace(/^v1\.\d+/, 'v1.12a')]) expect(reason(bad), String(bad)).toBe('malformed');
  });

  it('is signed under its own context: a device proxy signature over the same request parts does not pass', () => {
    const p = readOperatorProof(signOperatorRequest(signer(), req))!;
    const workspace = newWorkspaceId();
    const deviceBytes = proxyProofBytes({ workspace, device: operator.deviceId, time: p.time, nonce: p.nonce }, { method: req.method, path: req.path, bodyHash: digest(req.body) });
    const signature = crypto.sign(deviceBytes, operator.signSecretKey.expose());
    expect(reason(writeOperatorProof({ ...p, signature }))).toBe('signature');
  });
});
