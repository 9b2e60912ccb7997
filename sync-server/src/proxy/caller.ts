/**
 * Who is calling the proxy: a member device of a workspace registered at
 * this relay, proven per request by the `x-tendril-proof` header
 * (crdt-schema wire/proxy-proof.ts). `precheck` runs before the body is read
 * (shape, time window, membership and revocation from the relay's store);
 * `check` runs on the body received (signature over method, path and body
 * hash, then the nonce against the replay cache). Every refusal is a 401 with
 * its own code, except a full replay cache (429).
 */
import { createHash } from 'node:crypto';
import type { ErrorCode } from '@tendril/crdt-schema/errors';
import { publicKeyOfDevice, toBase64Url, type DeviceId, type WorkspaceId } from '@tendril/crdt-schema/ids';
import { checkProxyProof, precheckProxyProof, type ProxyRequestParts } from '@tendril/crdt-schema/wire';
import { deviceIsMember } from '../server/handlers/membership.ts';
import type { RelayStore } from '../store/types.ts';
import { createReplayCache } from './replay-cache.ts';

/** The part of the relay's store the proxy reads: the same membership and revocation records the sync handlers use. */
export type ProxyMembers = Pick<RelayStore, 'getWorkspace' | 'isMember' | 'isRevoked'>;

export interface Caller {
  readonly workspace: WorkspaceId;
  readonly device: DeviceId;
}

export type CallerResult =
  | { readonly ok: true; readonly caller: Caller }
  | { readonly ok: false; readonly status: 401 | 429; readonly code: ErrorCode; readonly message: string; readonly retryAfterMs?: number };

export interface CallerCheckDeps {
  readonly members: ProxyMembers;
  readonly now: () => number;
  readonly verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;
  readonly windowMs: number;
  readonly maxNonces: number;
  /** Nonces one device may hold in the cache (far above what its request limits let it use). */
  readonly maxNoncesPerDevice?: number;
}

export interface CallerCheck {
  precheck(header: string | undefined): Promise<CallerResult>;
  check(header: string | undefined, req: ProxyRequestParts): CallerResult;
}

const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest());

const refuse = (code: ErrorCode, message: string): CallerResult => ({ ok: false, status: 401, code, message });

export function createCallerCheck(d: CallerCheckDeps): CallerCheck {
  const nonces = createReplayCache(d.windowMs, d.maxNonces, d.maxNoncesPerDevice);
  const shapeOrTime = (reason: 'malformed' | 'stale' | 'signature'): CallerResult =>
    reason === 'malformed' ? refuse('E_PROXY_PROOF', 'sign the request: x-tendril-proof header missing or malformed')
      : reason === 'stale' ? refuse('E_PROXY_PROOF_STALE', `the proof time is more than ${d.windowMs / 1000} s from the relay clock`)
        : refuse('E_AUTH_FAILED', 'the proof does not verify for this request (method, path or body changed, or another key)');

  return {
    async precheck(header) {
      const pre = precheckProxyProof(header, { now: d.now, windowMs: d.windowMs });
      if (!pre.ok) return shapeOrTime(pre.reason);
      const { workspace, device } = pre.proof;
      if (!(await deviceIsMember(d.members, workspace, publicKeyOfDevice(device)))) return refuse('E_NOT_MEMBER', 'the device is not a member of a workspace registered at this relay');
      if (await d.members.isRevoked(workspace, device)) return refuse('E_REVOKED', 'the device was revoked');
      return { ok: true, caller: { workspace, device } };
    },
    check(header, req) {
      const c = checkProxyProof(header, req, { now: d.now, verify: d.verify, windowMs: d.windowMs, sha256 });
      if (!c.ok) return shapeOrTime(c.reason);
      const seen = nonces.admit(c.proof.device, toBase64Url(c.proof.nonce), d.now());
      if (!seen.ok && seen.reason === 'replayed') return refuse('E_PROXY_REPLAY', 'this signed request was already used');
      if (!seen.ok) return { ok: false, status: 429, code: 'E_PROXY_RATE_LIMITED', message: 'too many signed requests in the window', retryAfterMs: seen.retryAfterMs };
      return { ok: true, caller: { workspace: c.proof.workspace, device: c.proof.device } };
    },
  };
}
