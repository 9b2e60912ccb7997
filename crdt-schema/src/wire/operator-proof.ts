/**
 * The proof the relay operator attaches to an admin request to the relay's
 * LLM proxy (the kill switch, `POST /v1/proxy/admin/kill` and `/revive`): one
 * header, `x-tendril-operator-proof`, carrying a time stamp, a random nonce and
 * an Ed25519 signature by the operator key whose public half the relay was
 * given at start. The signature covers its own context tag (never a device's
 * proxy proof, whatever the bytes), the time, the nonce, the HTTP method, the
 * path and the SHA-256 of the body, so a proof cannot be moved to another
 * request. Freshness and replay are the relay's to check, as for the member
 * proof (proxy-proof.ts). Both sides build the signed bytes here.
 *
 * Header text: `v1.<time ms, decimal>.<nonce b64url>.<signature b64url>`.
 */
import { digest as sha256Lib0 } from 'lib0/hash/sha256';
import { concatBytes, Context, lengthPrefixed, u64be, utf8 } from '../crypto/bytes.ts';
import { fromBase64Url, toBase64Url } from '../ids.ts';
import type { ProxyRequestParts, Sha256 } from './proxy-proof.ts';

export const OPERATOR_PROOF_HEADER = 'x-tendril-operator-proof';
export const OPERATOR_PROOF_NONCE_BYTES = 16;

export interface OperatorProof {
  /** Milliseconds since the epoch, on the operator's clock. */
  readonly time: number;
  readonly nonce: Uint8Array;
  readonly signature: Uint8Array;
}

/** The bytes the operator key signs. */
export function operatorProofBytes(p: { readonly time: number; readonly nonce: Uint8Array }, req: { readonly method: string; readonly path: string; readonly bodyHash: Uint8Array }): Uint8Array {
  return concatBytes(utf8(Context.proxyOperator), u64be(p.time), p.nonce, lengthPrefixed(req.method), lengthPrefixed(req.path), req.bodyHash);
}

export function writeOperatorProof(p: OperatorProof): string {
  return ['v1', String(p.time), toBase64Url(p.nonce), toBase64Url(p.signature)].join('.');
}

/** Parses a header value; undefined for anything not exactly of the v1 shape. */
export function readOperatorProof(text: string | undefined): OperatorProof | undefined {
  if (text === undefined || text.length > 200) return undefined;
  const parts = text.split('.');
  if (parts.length !== 4 || parts[0] !== 'v1' || !/^\d{1,15}$/.test(parts[1]!)) return undefined;
  try {
    const nonce = fromBase64Url(parts[2]!);
    const signature = fromBase64Url(parts[3]!);
    if (nonce.length !== OPERATOR_PROOF_NONCE_BYTES || signature.length !== 64) return undefined;
    if (toBase64Url(nonce) !== parts[2] || toBase64Url(signature) !== parts[3]) return undefined;
    return { time: Number(parts[1]), nonce, signature };
  } catch {
    return undefined;
  }
}

export interface OperatorSigner {
  /** Detached Ed25519 signature by the operator's secret key. */
  sign(message: Uint8Array): Uint8Array;
  now(): number;
  randomBytes(n: number): Uint8Array;
  readonly sha256?: Sha256;
}

/** The header value proving `req` comes from the operator now. */
export function signOperatorRequest(s: OperatorSigner, req: ProxyRequestParts): string {
  const p = { time: Math.floor(s.now()), nonce: s.randomBytes(OPERATOR_PROOF_NONCE_BYTES) };
  const bodyHash = (s.sha256 ?? sha256Lib0)(req.body);
  return writeOperatorProof({ ...p, signature: s.sign(operatorProofBytes(p, { method: req.method.toUpperCase(), path: req.path, bodyHash })) });
}

export type OperatorProofCheck =
  | { readonly ok: true; readonly proof: OperatorProof }
  /** `malformed`: missing or not v1; `stale`: time outside the window; `signature`: not by the operator key, or not for this request. */
  | { readonly ok: false; readonly reason: 'malformed' | 'stale' | 'signature' };

export interface OperatorProofChecker {
  /** The operator's Ed25519 public key (32 bytes). */
  readonly operatorKey: Uint8Array;
  now(): number;
  /** Strict Ed25519 verification; never throws. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  readonly windowMs: number;
  readonly sha256?: Sha256;
}

/** Checks that `header` is a fresh proof, by the operator key, of exactly this request. */
export function checkOperatorProof(header: string | undefined, req: ProxyRequestParts, c: OperatorProofChecker): OperatorProofCheck {
  const proof = readOperatorProof(header);
  if (!proof) return { ok: false, reason: 'malformed' };
  if (Math.abs(c.now() - proof.time) > c.windowMs) return { ok: false, reason: 'stale' };
  const bodyHash = (c.sha256 ?? sha256Lib0)(req.body);
  if (!c.verify(c.operatorKey, operatorProofBytes(proof, { method: req.method.toUpperCase(), path: req.path, bodyHash }), proof.signature)) return { ok: false, reason: 'signature' };
  return { ok: true, proof };
}
