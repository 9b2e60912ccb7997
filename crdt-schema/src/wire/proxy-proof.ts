/**
 * The proof a device attaches to each request to the relay's LLM proxy: one
 * header, `x-tendril-proof`, carrying the workspace, the device id, a time
 * stamp, a random nonce and an Ed25519 signature by the device key the device
 * uses in its relay hello. The signature covers a context tag, those fields,
 * the HTTP method, the path (with query) and the SHA-256 of the body, so a
 * proof cannot be moved to another request, body or workspace. Freshness
 * (time window) and replay (nonce seen) are the relay's to check: it knows
 * the clock and keeps the nonces. Both sides build the signed bytes here.
 *
 * Header text: `v1.<workspace>.<device>.<time ms, decimal>.<nonce b64url>.<signature b64url>`.
 */
import { digest as sha256Lib0 } from 'lib0/hash/sha256';
import { concatBytes, Context, lengthPrefixed as field, u64be as u64, utf8 } from '../crypto/bytes.ts';
import { fromBase64Url, parseDeviceId, parseWorkspaceId, publicKeyOfDevice, toBase64Url, type DeviceId, type WorkspaceId } from '../ids.ts';

export const PROXY_PROOF_HEADER = 'x-tendril-proof';
/** How far a proof's time may be from the relay's clock, either way. */
export const PROXY_PROOF_WINDOW_MS = 60_000;
export const PROXY_PROOF_NONCE_BYTES = 16;
const TAG = Context.proxyRequest;

export interface ProxyProof {
  readonly workspace: WorkspaceId;
  readonly device: DeviceId;
  /** Milliseconds since the epoch, on the signer's clock. */
  readonly time: number;
  readonly nonce: Uint8Array;
  readonly signature: Uint8Array;
}

/** The parts of an HTTP request a proof is bound to. */
export interface ProxyRequestParts {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** Path and query exactly as sent on the request line, e.g. `/v1/proxy/chat/completions`. */
  readonly path: string;
  readonly body: Uint8Array;
}

export type Sha256 = (data: Uint8Array) => Uint8Array;

/** The bytes the device key signs. */
export function proxyProofBytes(
  p: { readonly workspace: WorkspaceId; readonly device: DeviceId; readonly time: number; readonly nonce: Uint8Array },
  req: { readonly method: string; readonly path: string; readonly bodyHash: Uint8Array },
): Uint8Array {
  return concatBytes(utf8(TAG), field(p.workspace), field(p.device), u64(p.time), p.nonce, field(req.method), field(req.path), req.bodyHash);
}

export function writeProxyProof(p: ProxyProof): string {
  return ['v1', p.workspace, p.device, String(p.time), toBase64Url(p.nonce), toBase64Url(p.signature)].join('.');
}

/** Parses a header value; undefined for anything not exactly of the v1 shape. */
export function readProxyProof(text: string | undefined): ProxyProof | undefined {
  if (text === undefined || text.length > 256) return undefined;
  const parts = text.split('.');
  if (parts.length !== 6 || parts[0] !== 'v1' || !/^\d{1,15}$/.test(parts[3]!)) return undefined;
  try {
    const nonce = fromBase64Url(parts[4]!);
    const signature = fromBase64Url(parts[5]!);
    if (nonce.length !== PROXY_PROOF_NONCE_BYTES || signature.length !== 64) return undefined;
    // Only the canonical spelling of the nonce and signature: one proof, one header text.
    if (toBase64Url(nonce) !== parts[4] || toBase64Url(signature) !== parts[5]) return undefined;
    return { workspace: parseWorkspaceId(parts[1]), device: parseDeviceId(parts[2]), time: Number(parts[3]), nonce, signature };
  } catch {
    return undefined;
  }
}

export interface ProxySigner {
  readonly workspace: WorkspaceId;
  readonly device: DeviceId;
  /** Detached Ed25519 signature by the device key (the CryptoProvider's sign with the device secret key fits). */
  sign(message: Uint8Array): Uint8Array;
  now(): number;
  randomBytes(n: number): Uint8Array;
  /** Default: a portable SHA-256 (lib0). */
  readonly sha256?: Sha256;
}

/** The header value proving `req` comes from the signer's device now. */
export function signProxyRequest(s: ProxySigner, req: ProxyRequestParts): string {
  const p = { workspace: s.workspace, device: s.device, time: Math.floor(s.now()), nonce: s.randomBytes(PROXY_PROOF_NONCE_BYTES) };
  const bodyHash = (s.sha256 ?? sha256Lib0)(req.body);
  const signature = s.sign(proxyProofBytes(p, { method: req.method.toUpperCase(), path: req.path, bodyHash }));
  return writeProxyProof({ ...p, signature });
}

export type ProxyProofCheck =
  | { readonly ok: true; readonly proof: ProxyProof; readonly deviceKey: Uint8Array }
  /** `malformed`: missing or not a v1 header; `stale`: time outside the window; `signature`: does not verify for this request. */
  | { readonly ok: false; readonly reason: 'malformed' | 'stale' | 'signature' };

export interface ProxyProofChecker {
  now(): number;
  /** Strict Ed25519 verification; never throws. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  readonly windowMs?: number;
  readonly sha256?: Sha256;
}

/** Checks shape and time only: cheap, before the body is read. */
export function precheckProxyProof(header: string | undefined, c: Pick<ProxyProofChecker, 'now' | 'windowMs'>): ProxyProofCheck | { readonly ok: true; readonly proof: ProxyProof } {
  const proof = readProxyProof(header);
  if (!proof) return { ok: false, reason: 'malformed' };
  if (Math.abs(c.now() - proof.time) > (c.windowMs ?? PROXY_PROOF_WINDOW_MS)) return { ok: false, reason: 'stale' };
  return { ok: true, proof };
}

/** Checks that `header` is a fresh proof, by the device it names, of exactly this request. */
export function checkProxyProof(header: string | undefined, req: ProxyRequestParts, c: ProxyProofChecker): ProxyProofCheck {
  const pre = precheckProxyProof(header, c);
  if (!pre.ok) return pre;
  const { proof } = pre;
  const deviceKey = publicKeyOfDevice(proof.device);
  const bodyHash = (c.sha256 ?? sha256Lib0)(req.body);
  const message = proxyProofBytes(proof, { method: req.method.toUpperCase(), path: req.path, bodyHash });
  if (!c.verify(deviceKey, message, proof.signature)) return { ok: false, reason: 'signature' };
  return { ok: true, proof, deviceKey };
}
