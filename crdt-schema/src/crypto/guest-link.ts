/**
 * Guest chat links: `<relayHttpUrl>/guest/#<linkId>.<ownerBoxKey>.<secret>`.
 * A visitor who holds the link can seal a conversation to the owner (the
 * owner's X25519 key for this link) under a key mixed with the link secret
 * (guest-seal.ts). Everything after `#` stays in the browser: the relay that
 * serves the page learns the link id from the visitor's admission, never the
 * secret. The access code is not in the link; it only gates the relay's
 * admission and reads nothing on its own.
 */
import { TendrilError } from '../errors.ts';
import { fromBase64Url, parseGuestLinkId, toBase64Url, type GuestLinkId } from '../ids.ts';
import { normalizeRelayHttpUrl } from './invite-link.ts';
import { secret, type Secret } from './secret.ts';

export const GUEST_LINK_SECRET_BYTES = 32;
const BOX_KEY_BYTES = 32;
/** The guest page's path on the relay: a bundle of its own, with nothing of the owner's workspace. */
export const GUEST_PAGE_PATH = '/guest/';

/** What a guest link carries. */
export interface GuestLink {
  /** The relay's http(s) base, no trailing slash. */
  readonly relayHttpUrl: string;
  readonly linkId: GuestLinkId;
  /** The owner's X25519 public key for this link: visitors seal their conversation secret to it. */
  readonly ownerBoxKey: Uint8Array;
  /** Shared by the owner and every visitor of the link; never sent to the relay. */
  readonly secret: Secret<Uint8Array>;
}

const invalid = (why: string, cause?: unknown): TendrilError =>
  new TendrilError('E_GUEST_LINK_INVALID', `guest link: ${why}`, cause === undefined ? undefined : { cause });

/** The link as text; it holds the secret, so it comes back wrapped. */
export function formatGuestLink(link: GuestLink): Secret<string> {
  if (link.ownerBoxKey.length !== BOX_KEY_BYTES) throw new TendrilError('E_BAD_INPUT', 'guest link: the owner key must have 32 bytes');
  if (link.secret.expose().length !== GUEST_LINK_SECRET_BYTES) throw new TendrilError('E_BAD_INPUT', 'guest link: the secret must have 32 bytes');
  const fragment = `${link.linkId}.${toBase64Url(link.ownerBoxKey)}.${toBase64Url(link.secret.expose())}`;
  return secret(`${normalizeRelayHttpUrl(link.relayHttpUrl)}${GUEST_PAGE_PATH}#${fragment}`);
}

/** Parses a link; `E_GUEST_LINK_INVALID` on any defect, naming which. */
export function parseGuestLink(text: string): GuestLink {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch (e) {
    throw invalid('not a URL', e);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('not an http(s) link');
  if (url.hash.length < 2) throw invalid('no #fragment (the part after # holds the key material)');
  const parts = url.hash.slice(1).split('.');
  if (parts.length !== 3) throw invalid('the fragment must be <link>.<owner key>.<secret>');
  let linkId: GuestLinkId;
  let ownerBoxKey: Uint8Array;
  let secretBytes: Uint8Array;
  try {
    linkId = parseGuestLinkId(parts[0]);
    ownerBoxKey = fromBase64Url(parts[1]!);
    secretBytes = fromBase64Url(parts[2]!);
  } catch (e) {
    throw invalid('not base64url', e);
  }
  if (ownerBoxKey.length !== BOX_KEY_BYTES) throw invalid('the owner key has the wrong length');
  if (secretBytes.length !== GUEST_LINK_SECRET_BYTES) throw invalid('the secret has the wrong length');
  if (toBase64Url(ownerBoxKey) !== parts[1] || toBase64Url(secretBytes) !== parts[2]) throw invalid('not canonical base64url');
  const base = url.pathname.endsWith(GUEST_PAGE_PATH) ? url.pathname.slice(0, -GUEST_PAGE_PATH.length) : url.pathname.replace(/\/+$/, '');
  return { relayHttpUrl: `${url.origin}${base}`, linkId, ownerBoxKey, secret: secret(secretBytes) };
}
