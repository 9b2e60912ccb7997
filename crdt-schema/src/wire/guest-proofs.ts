/**
 * The bytes of the guest frames' proofs, the access-code verifier and the
 * document id of a visitor's conversation. Built here for the owner, the
 * visitor and the relay alike, so they never disagree. Same conventions as
 * proofs.ts: a domain tag first, ids as length-prefixed UTF-8, keys raw,
 * numbers as 8-byte big-endian.
 */
import { digest as sha256 } from 'lib0/hash/sha256';
import { toBase64Url, type DocId, type GuestLinkId } from '../ids.ts';
import { concat, field, u64 } from './proofs.ts';

const utf8 = new TextEncoder();

/** What GuestLink sets, as signed. */
export interface GuestLinkTerms {
  readonly link: GuestLinkId;
  readonly capKey: Uint8Array;
  readonly codeVerifier: Uint8Array;
  readonly expiresAt: number;
  readonly maxVisitors: number;
  readonly visitorPerMinute: number;
  readonly linkPerMinute: number;
}

/** Signed by the link's capKey in GuestLink. */
export function guestLinkBytes(nonce: Uint8Array, t: GuestLinkTerms): Uint8Array {
  return concat([
    utf8.encode('tendril/guest-link/v1'), nonce, field(t.link), t.capKey, t.codeVerifier,
    u64(t.expiresAt), u64(t.maxVisitors), u64(t.visitorPerMinute), u64(t.linkPerMinute),
  ]);
}

/** Signed by the visitor's own key in GuestHello. */
export function guestHelloBytes(nonce: Uint8Array, link: GuestLinkId, visitorKey: Uint8Array): Uint8Array {
  return concat([utf8.encode('tendril/guest-hello/v1'), nonce, field(link), visitorKey]);
}

/** Signed by the link's capKey in GuestWatch. */
export function guestWatchBytes(nonce: Uint8Array, link: GuestLinkId): Uint8Array {
  return concat([utf8.encode('tendril/guest-watch/v1'), nonce, field(link)]);
}

/** Signed by the link's capKey in GuestEnd (`visitor` empty: the whole link). */
export function guestEndBytes(nonce: Uint8Array, link: GuestLinkId, visitor: Uint8Array): Uint8Array {
  return concat([utf8.encode('tendril/guest-end/v1'), nonce, field(link), u64(visitor.length), visitor]);
}

/**
 * What the relay keeps of an access code: SHA-256 over the link id and the code (NFC, trimmed), so equal
 * codes of two links differ. A short code is still guessable offline from this; the code only gates
 * admission and opens nothing (the key material is in the link's fragment), and online guessing is
 * rate-limited at the relay.
 */
export function guestCodeVerifier(link: GuestLinkId, code: string): Uint8Array {
  return sha256(concat([utf8.encode('tendril/guest-code/v1'), field(link), utf8.encode(normalizeGuestCode(code))]));
}

/** The form an access code is compared in: Unicode NFC, surrounding spaces removed. */
export function normalizeGuestCode(code: string): string {
  return code.normalize('NFC').trim();
}

/**
 * The document holding one visitor's conversation: 16 bytes of SHA-256 over the link and the visitor's
 * key, as a document id. The relay and both sides derive it, so a visitor cannot pick another's.
 */
export function guestDocId(link: GuestLinkId, visitorKey: Uint8Array): DocId {
  return toBase64Url(sha256(concat([utf8.encode('tendril/guest-doc/v1'), field(link), visitorKey])).subarray(0, 16)) as DocId;
}
