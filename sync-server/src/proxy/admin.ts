/**
 * The operator's kill switch over HTTP: `POST /v1/proxy/admin/kill` and
 * `POST /v1/proxy/admin/revive` with a JSON body `{"provider": NAME}` (a
 * provider, `fetch`, or `all`, the default). Each request carries an operator
 * proof (crdt-schema wire/operator-proof.ts) by the key the relay was given at
 * start; without that key the routes do not exist (404). A proof is checked
 * like a member's proxy proof: shape and time, signature over method, path
 * and body hash, then its nonce against a replay cache of its own. The answer
 * is the switch state after the change. A member's device key opens nothing here.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorCode } from '@tendril/crdt-schema/errors';
import { toBase64Url } from '@tendril/crdt-schema/ids';
import { checkOperatorProof, OPERATOR_PROOF_HEADER } from '@tendril/crdt-schema/wire';
import { createEd25519Verifier } from '../server/ed25519.ts';
import { isKillTarget, KILL_TARGETS, type KillSwitch, type KillTarget } from './kill-switch.ts';
import type { ProxyLogger } from './relay-call.ts';
import { createReplayCache } from './replay-cache.ts';
import { readBody } from './request.ts';
import { sendError } from './respond.ts';

export const ADMIN_PATHS = { '/v1/proxy/admin/kill': 'kill', '/v1/proxy/admin/revive': 'revive' } as const;
type Action = (typeof ADMIN_PATHS)[keyof typeof ADMIN_PATHS];

const MAX_BODY_BYTES = 1024;
/** Operator nonces remembered at most; an operator sends a handful of requests. */
const MAX_NONCES = 10_000;

export interface ProxyAdminDeps {
  /** The operator's Ed25519 public key (32 bytes). */
  readonly operatorKey: Uint8Array;
  readonly kill: KillSwitch;
  readonly now: () => number;
  /** How far a proof's time may be from the relay clock, either way. */
  readonly windowMs: number;
  readonly log: ProxyLogger;
}

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest());

/** The target a body names: `{}` or an empty body means all; undefined for anything else. */
function targetOf(body: Buffer): KillTarget | undefined {
  if (body.length === 0) return 'all';
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const { provider, ...rest } = parsed as { provider?: unknown };
  if (Object.keys(rest).length > 0) return undefined;
  if (provider === undefined) return 'all';
  return typeof provider === 'string' && isKillTarget(provider) ? provider : undefined;
}

export function createProxyAdmin(d: ProxyAdminDeps): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const ed25519 = createEd25519Verifier();
  const nonces = createReplayCache(d.windowMs, MAX_NONCES);
  const refuse = (res: ServerResponse, status: number, code: ErrorCode, message: string, action: string): void => {
    d.log.warn('proxy.admin_refused', { action, status, code });
    sendError(res, status, code, { message });
  };

  async function handle(req: IncomingMessage, res: ServerResponse, action: Action): Promise<void> {
    if (req.method !== 'POST') return sendError(res, 405, 'E_BAD_INPUT', { message: 'use POST', headers: { allow: 'POST' } });
    const raw = await readBody(req, MAX_BODY_BYTES);
    if (!raw.ok) {
      if (raw.reason === 'aborted') return void res.destroy();
      return sendError(res, 413, 'E_BODY_TOO_LARGE', { message: `the body exceeds ${MAX_BODY_BYTES} bytes`, close: true });
    }
    const header = one(req.headers[OPERATOR_PROOF_HEADER]);
    const proof = checkOperatorProof(header, { method: req.method, path: req.url ?? '/', body: raw.bytes }, {
      operatorKey: d.operatorKey,
      now: d.now,
      windowMs: d.windowMs,
      verify: (k, m, s) => ed25519.verify(k, m, s),
      sha256,
    });
    if (!proof.ok) {
      if (proof.reason === 'malformed') return refuse(res, 401, 'E_PROXY_PROOF', `sign the request with the operator key: ${OPERATOR_PROOF_HEADER} header missing or malformed`, action);
      if (proof.reason === 'stale') return refuse(res, 401, 'E_PROXY_PROOF_STALE', `the proof time is more than ${d.windowMs / 1000} s from the relay clock`, action);
      return refuse(res, 401, 'E_AUTH_FAILED', 'the proof does not verify for this request with the operator key', action);
    }
    const seen = nonces.admit('operator', toBase64Url(proof.proof.nonce), d.now());
    if (!seen.ok) {
      if (seen.reason === 'replayed') return refuse(res, 401, 'E_PROXY_REPLAY', 'this signed request was already used', action);
      return sendError(res, 429, 'E_PROXY_RATE_LIMITED', { message: 'too many admin requests in the window', retryAfterMs: seen.retryAfterMs });
    }
    const target = targetOf(raw.bytes);
    if (!target) return sendError(res, 400, 'E_BAD_INPUT', { message: `the body is {"provider": NAME} with NAME one of ${KILL_TARGETS.join(', ')}` });
    if (action === 'kill') d.kill.kill('admin', target);
    else d.kill.revive('admin', target);
    const state = d.kill.state();
    d.log.warn('proxy.admin', { action, target, off: state.off.join(',') });
    const body = JSON.stringify({ ok: true, action, target, ...state });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    res.end(body);
  }

  return async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://relay').pathname;
    const action = (ADMIN_PATHS as Record<string, Action>)[path];
    if (!action) return false;
    await handle(req, res, action);
    return true;
  };
}
