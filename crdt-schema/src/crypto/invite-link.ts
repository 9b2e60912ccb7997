/**
 * Invite links: `<relayHttpUrl>/#/join/<token-b64url>.<secret-b64url>`.
 * The secret sits in the URL fragment, which browsers never send in a
 * request, so the relay serving the page never sees it.
 */
import { TendrilError } from '../errors.ts';
import { fromBase64Url, toBase64Url } from '../ids.ts';
import { decodeInviteToken, type InviteToken } from './invite-token.ts';
import { secret, type Secret } from './secret.ts';

export const INVITE_SECRET_BYTES = 32;
const JOIN_PREFIX = '#/join/';

const invalid = (why: string, cause?: unknown): TendrilError =>
  new TendrilError('E_INVITE_INVALID', `invite link: ${why}`, cause === undefined ? undefined : { cause });

/** The relay's http(s) base without a trailing slash; `E_BAD_INPUT` for other schemes or a fragment. */
export function normalizeRelayHttpUrl(relayHttpUrl: string): string {
  let url: URL;
  try {
    url = new URL(relayHttpUrl);
  } catch (e) {
    throw new TendrilError('E_BAD_INPUT', `not a URL: ${relayHttpUrl}`, { cause: e });
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hash !== '' || url.search !== '') {
    throw new TendrilError('E_BAD_INPUT', 'the relay page URL must be plain http(s)');
  }
  return url.href.replace(/\/+$/, '');
}

/** Builds the link; it contains the secret, so it comes back wrapped. */
export function formatInviteLink(relayHttpUrl: string, tokenBytes: Uint8Array, inviteSecret: Secret<Uint8Array>): Secret<string> {
  return secret(`${normalizeRelayHttpUrl(relayHttpUrl)}/${JOIN_PREFIX}${toBase64Url(tokenBytes)}.${toBase64Url(inviteSecret.expose())}`);
}

export interface ParsedInviteLink {
  /** Where the link points, without the fragment. */
  readonly relayHttpUrl: string;
  readonly tokenBytes: Uint8Array;
  /** Decoded but NOT verified: call `verifyInviteToken` before trusting it. */
  readonly token: InviteToken;
  readonly secret: Secret<Uint8Array>;
}

/** Splits a link into token and secret; `E_INVITE_INVALID` on any defect. */
export function parseInviteLink(link: string): ParsedInviteLink {
  let url: URL;
  try {
    url = new URL(link.trim());
  } catch (e) {
    throw invalid('not a URL', e);
  }
  if (!url.hash.startsWith(JOIN_PREFIX)) throw invalid('no #/join/ fragment');
  const parts = url.hash.slice(JOIN_PREFIX.length).split('.');
  if (parts.length !== 2) throw invalid('the fragment must be <token>.<secret>');
  let tokenBytes: Uint8Array;
  let secretBytes: Uint8Array;
  try {
    tokenBytes = fromBase64Url(parts[0]!);
    secretBytes = fromBase64Url(parts[1]!);
  } catch (e) {
    throw invalid('not base64url', e);
  }
  if (secretBytes.length !== INVITE_SECRET_BYTES) throw invalid('the secret has the wrong length');
  const { token } = decodeInviteToken(tokenBytes);
  url.hash = '';
  return { relayHttpUrl: url.href.replace(/\/+$/, ''), tokenBytes, token, secret: secret(secretBytes) };
}
