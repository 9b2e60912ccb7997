/**
 * Invites: one-time, expiring, scoped. The issuer makes a token and a 32-byte
 * secret; the link carries both (the secret in the fragment). The key
 * material for the joiner is sealed under a key derived from the secret (see
 * invite-payload.ts) and parked on the relay under
 * `blobKey = base64url(BLAKE2b(key = secret, "tendril/invite-blob"))`, which
 * reveals nothing about the secret. The relay deletes the blob after the
 * first take or on expiry, which is what makes an invite one-time.
 *
 * A confirmed invite (`confirm: true`, for an inviter that stays online)
 * also seals the payload under a release secret that is not in the link: the
 * inviter sends it only to the device whose pairing code a person confirmed
 * (see pairing.ts), so a leaked link alone opens nothing.
 */
import { TendrilError } from '../errors.ts';
import { newInviteId, publicKeyOfDevice, type DeviceId, type WorkspaceId } from '../ids.ts';
import { concatBytes, Context, utf8 } from './bytes.ts';
import { formatInviteLink, INVITE_SECRET_BYTES } from './invite-link.ts';
import { inviteBlobKey, inviteIdentity, sealInvitePayload, type InvitePayload } from './invite-payload.ts';
import { DEFAULT_SCOPES, type InviteRole, type InviteScope } from './invite-scope.ts';
import { signInviteToken, type InviteToken } from './invite-token.ts';
import { devicePublicKeys, type DeviceIdentity, type DevicePublicKeys } from './keys.ts';
import type { CryptoProvider } from './provider.ts';
import { secret, type Secret } from './secret.ts';

/** Invites live at most this long. */
export const MAX_INVITE_TTL_MS = 7 * 24 * 3600 * 1000;

export interface CreateInviteInput {
  readonly issuer: DeviceIdentity;
  readonly workspace: WorkspaceId;
  readonly role: InviteRole;
  /** Defaults to the role's {@link DEFAULT_SCOPES}. */
  readonly scope?: InviteScope;
  /** Current time in ms (injected clock). */
  readonly now: number;
  /** Lifetime in ms, at most {@link MAX_INVITE_TTL_MS}. */
  readonly ttlMs: number;
  /** The relay the workspace syncs through, recorded in the token. */
  readonly relayUrl: string;
  /** The relay's web page the link opens (http or https). */
  readonly relayHttpUrl: string;
  /** Seal the payload under a release secret too, sent only once the inviter confirms the joiner. */
  readonly confirm?: boolean;
}

export interface CreatedInvite {
  readonly token: InviteToken;
  readonly tokenBytes: Uint8Array;
  readonly secret: Secret<Uint8Array>;
  /** The link to show or encode as a QR code; contains the secret. */
  readonly link: Secret<string>;
  /** Where to park the sealed payload on the relay. */
  readonly blobKey: string;
  /** How long the relay should keep the blob. */
  readonly ttlSeconds: number;
  /** The secret the inviter releases to a confirmed joiner; null for an invite that needs no confirmation. */
  readonly release: Secret<Uint8Array> | null;
  /** Seal lockboxes to this identity (as recipient) before putting them in the payload. */
  readonly lockboxRecipient: DevicePublicKeys;
  /** Seals the payload for the relay blob. */
  sealPayload(payload: InvitePayload): Uint8Array;
}

export function createInvite(crypto: CryptoProvider, input: CreateInviteInput): CreatedInvite {
  if (!Number.isSafeInteger(input.ttlMs) || input.ttlMs <= 0 || input.ttlMs > MAX_INVITE_TTL_MS) {
    throw new TendrilError('E_BAD_INPUT', `invite lifetime must be within (0, ${MAX_INVITE_TTL_MS}] ms`);
  }
  const inviteSecret = secret(crypto.randomBytes(INVITE_SECRET_BYTES));
  const release = input.confirm === true ? secret(crypto.randomBytes(INVITE_SECRET_BYTES)) : null;
  const enrollment = inviteIdentity(crypto, inviteSecret);
  const token: InviteToken = {
    id: newInviteId(),
    workspace: input.workspace,
    role: input.role,
    scope: input.scope ?? DEFAULT_SCOPES[input.role],
    expiresAt: input.now + input.ttlMs,
    issuer: input.issuer.deviceId,
    enrollKey: enrollment.deviceId,
    relayUrl: input.relayUrl,
  };
  const tokenBytes = signInviteToken(crypto, token, input.issuer);
  return {
    token,
    tokenBytes,
    secret: inviteSecret,
    link: formatInviteLink(input.relayHttpUrl, tokenBytes, inviteSecret),
    blobKey: inviteBlobKey(crypto, inviteSecret),
    ttlSeconds: Math.ceil(input.ttlMs / 1000),
    release,
    lockboxRecipient: devicePublicKeys(enrollment),
    sealPayload: (payload) => sealInvitePayload(crypto, inviteSecret, tokenBytes, payload, release),
  };
}

/**
 * The six-digit code both devices show while pairing: the issuer computes it
 * with the joiner key it sees, the joiner with its own. Equal codes mean no
 * one else joined with the link.
 */
export function pairingCode(crypto: CryptoProvider, inviteSecret: Secret<Uint8Array>, issuer: DeviceId, joiner: DeviceId): string {
  const h = crypto.hash(concatBytes(utf8(Context.pairingCode), publicKeyOfDevice(issuer), publicKeyOfDevice(joiner)), 32, inviteSecret.expose());
  let n = 0;
  for (let i = 0; i < 5; i++) n = n * 256 + h[i]!; // 40 bits: the modulo bias is below 1e-6
  return (n % 1_000_000).toString().padStart(6, '0');
}

/**
 * The error for a missing relay blob: expired when past `expiresAt`, else
 * already taken.
 */
export function inviteUnavailable(token: InviteToken, now: number): TendrilError {
  return now >= token.expiresAt
    ? new TendrilError('E_INVITE_EXPIRED', `invite ${token.id} expired`)
    : new TendrilError('E_INVITE_USED', `invite ${token.id} was already used`);
}
