/**
 * Byte helpers shared by the crypto and envelope modules: concatenation,
 * constant-time comparison, UTF-8, and the domain-separation prefixes every
 * signature and derived key is bound to. One table of contexts, so no two
 * uses of a key can ever sign or derive the same bytes.
 */
import { ENVELOPE_SIGNATURE_CONTEXT } from '../envelope/header.ts';

/** Domain prefixes. None is a prefix of another, so `context || bytes` never collides across uses. */
export const Context = {
  /** Ed25519 signature over an envelope's bytes up to its signature. */
  envelope: ENVELOPE_SIGNATURE_CONTEXT,
  /** Ed25519 signature of a lockbox by its sender device. */
  lockbox: 'tendril/lockbox/v1',
  /** Ed25519 signature of an invite token by its issuer. */
  inviteToken: 'tendril/invite-token/v1',
  /** BLAKE2b context of the relay blob key derived from an invite secret. */
  inviteBlob: 'tendril/invite-blob',
  /** KDF context of the key that seals an invite payload. */
  invitePayload: 'tendril/invite-payload',
  /** KDF contexts of the seeds of the one-off identity an invite's lockboxes are sealed to. */
  inviteSignSeed: 'tendril/invite-identity/sign',
  inviteBoxSeed: 'tendril/invite-identity/box',
  /** BLAKE2b context of the pairing confirmation code. */
  pairingCode: 'tendril/pairing-code',
  /** BLAKE2b context of the payload key of a confirmed invite (link secret and release secret). */
  releasedPayload: 'tendril/released-invite-payload',
  /** BLAKE2b contexts of the relay blob keys of a pairing request and of the inviter's answer. */
  pairingRequestBlob: 'tendril/pairing/request-blob',
  pairingAnswerBlob: 'tendril/pairing/answer-blob',
  /** KDF contexts of the keys that seal a pairing request and an answer under the link secret. */
  pairingRequestSeal: 'tendril/pairing/request-seal',
  pairingAnswerSeal: 'tendril/pairing/answer-seal',
  /** Ed25519 signature of a pairing request by the joining device (binds its box key to its id). */
  pairingRequest: 'tendril/pairing/request/v1',
  /** Ed25519 signature of a workspace membership certificate (workspace/membership.ts). */
  memberCert: 'tendril/member/v1',
  /** Ed25519 signature of an admin's revocation of a member. */
  revocationCert: 'tendril/revocation/v1',
  /** BLAKE2b context of an envelope's hash-chain link (envelope/chain.ts). */
  envelopeChain: 'tendril/envelope-chain/v1',
  /** BLAKE2b context of the local "this device verified these bytes" tag. */
  localVerified: 'tendril/local-verified/v1',
  /** Ed25519 signatures by a device's own key on ephemeral payloads (workspace/device-signed.ts). */
  peerPresence: 'tendril/peer-presence/v1',
  liveReply: 'tendril/live-reply/v1',
  /** Ed25519 signature of an LLM proxy request by the calling device (wire/proxy-proof.ts). */
  proxyRequest: 'tendril/proxy/v1',
  /** Ed25519 signature of a proxy admin request (kill switch) by the relay operator's key (wire/operator-proof.ts). */
  proxyOperator: 'tendril/proxy-operator/v1',
  /** BLAKE2b context of a guest conversation key (K_visitor || link secret), crypto/guest-seal.ts. */
  guestConversation: 'tendril/guest/conversation',
  /** Associated-data prefix of a guest reply's live text (Stream frames), crypto/guest-seal.ts. */
  guestLive: 'tendril/guest/live/v1',
} as const;
export type Context = (typeof Context)[keyof typeof Context];

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Strict UTF-8 decoding: throws on invalid sequences instead of inserting U+FFFD. */
export function fromUtf8(bytes: Uint8Array): string {
  return strictDecoder.decode(bytes);
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** `n` as 8 bytes, big-endian: times and lengths in signed bytes. */
export function u64be(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

/** `u64be(length) || utf8(text)`: a text field that cannot run into the next one. */
export function lengthPrefixed(text: string): Uint8Array {
  const bytes = utf8(text);
  return concatBytes(u64be(bytes.length), bytes);
}

/** Each context's UTF-8 bytes, encoded once (a catch-up hashes and checks thousands of envelopes). */
const contextBytes = new Map<Context, Uint8Array>();

/** `utf8(context) || bytes`, the message every domain-separated signature covers. */
export function withContext(context: Context, ...parts: readonly Uint8Array[]): Uint8Array {
  return concatBytes(contextPrefix(context), ...parts);
}

/** The UTF-8 bytes `withContext` puts first (encoded once per context; never modify them). */
export function contextPrefix(context: Context): Uint8Array {
  let prefix = contextBytes.get(context);
  if (prefix === undefined) contextBytes.set(context, (prefix = utf8(context)));
  return prefix;
}

/** Constant-time equality for equal-length inputs; length itself is not secret. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
