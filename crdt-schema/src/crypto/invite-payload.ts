/**
 * What an invite's 32-byte secret protects. The sealed payload parked on the
 * relay holds workspace information and the lockboxes of the scoped
 * documents; it is sealed with XChaCha20-Poly1305 under
 * `kdf(secret, "tendril/invite-payload")`, with the signed token bytes as
 * associated data so a payload never opens under another token. The relay
 * blob key and the one-off identity the lockboxes are sealed to (the joiner's
 * device key is unknown when the invite is made) come from the same secret
 * under their own contexts, so none reveals another.
 *
 * A confirmed invite (see pairing.ts) seals the same payload under
 * `BLAKE2b(key = secret, "tendril/released-invite-payload" || release)`
 * instead, where the release secret stays with the inviter until it confirms
 * the joining device; the version byte says which key to use.
 *
 * Layout: u8 version (1 link secret only, 2 also the release secret) | 24-byte nonce | ciphertext of the JSON payload.
 */
import { TendrilError } from '../errors.ts';
import { fromBase64Url, parseWorkspaceId, toBase64Url, type WorkspaceId } from '../ids.ts';
import { concatBytes, Context, fromUtf8, utf8 } from './bytes.ts';
import type { DocKeys } from './doc-keys.ts';
import { deviceIdentityFromSeeds, type DeviceIdentity } from './keys.ts';
import { mayGrant } from './invite-scope.ts';
import type { InviteToken } from './invite-token.ts';
import { openLockbox } from './lockbox.ts';
import type { CryptoProvider } from './provider.ts';
import type { Secret } from './secret.ts';

const PAYLOAD_VERSION = 1;
const RELEASED_VERSION = 2;

/** True when the blob needs the inviter's release secret to open (a confirmed invite). */
export function payloadNeedsRelease(blob: Uint8Array): boolean {
  return blob[0] === RELEASED_VERSION;
}

function payloadKey(crypto: CryptoProvider, inviteSecret: Secret<Uint8Array>, release: Secret<Uint8Array> | null): Uint8Array {
  if (release === null) return crypto.kdf(inviteSecret.expose(), Context.invitePayload);
  return crypto.hash(concatBytes(utf8(Context.releasedPayload), release.expose()), 32, inviteSecret.expose());
}

/** `base64url(BLAKE2b(key = secret, "tendril/invite-blob"))`: where the sealed payload is parked on the relay. */
export function inviteBlobKey(crypto: CryptoProvider, inviteSecret: Secret<Uint8Array>): string {
  return toBase64Url(crypto.hash(utf8(Context.inviteBlob), 32, inviteSecret.expose()));
}

/** The identity lockboxes in the invite payload are sealed to. */
export function inviteIdentity(crypto: CryptoProvider, inviteSecret: Secret<Uint8Array>): DeviceIdentity {
  const s = inviteSecret.expose();
  return deviceIdentityFromSeeds(crypto, crypto.kdf(s, Context.inviteSignSeed), crypto.kdf(s, Context.inviteBoxSeed));
}

export interface InvitePayload {
  readonly workspace: { readonly id: WorkspaceId; readonly name: string };
  /** Lockboxes sealed to `CreatedInvite.lockboxRecipient` by the issuer. */
  readonly lockboxes: readonly Uint8Array[];
  /** Further JSON-safe workspace information (member list doc, admin keys...). */
  readonly info: Readonly<Record<string, unknown>>;
}

const invalid = (why: string, cause?: unknown): TendrilError =>
  new TendrilError('E_INVITE_INVALID', `invite payload: ${why}`, cause === undefined ? undefined : { cause });

/** Seals a payload under the link secret, and under the release secret too when one is given. */
export function sealInvitePayload(crypto: CryptoProvider, inviteSecret: Secret<Uint8Array>, tokenBytes: Uint8Array, payload: InvitePayload, release: Secret<Uint8Array> | null = null): Uint8Array {
  const json = {
    v: PAYLOAD_VERSION,
    workspace: { id: payload.workspace.id, name: payload.workspace.name },
    lockboxes: payload.lockboxes.map(toBase64Url),
    info: payload.info,
  };
  const nonce = crypto.randomBytes(24);
  const key = payloadKey(crypto, inviteSecret, release);
  return concatBytes(Uint8Array.of(release === null ? PAYLOAD_VERSION : RELEASED_VERSION), nonce, crypto.aeadSeal(utf8(JSON.stringify(json)), tokenBytes, nonce, key));
}

/**
 * Opens the blob taken from the relay (with the release secret the inviter
 * sent, for a confirmed invite); `E_INVITE_INVALID` when it does not open or parse.
 */
export function openInvitePayload(crypto: CryptoProvider, inviteSecret: Secret<Uint8Array>, tokenBytes: Uint8Array, blob: Uint8Array, release: Secret<Uint8Array> | null = null): InvitePayload {
  if (blob.length < 1 + 24 + 16 || (blob[0] !== PAYLOAD_VERSION && blob[0] !== RELEASED_VERSION)) throw invalid('malformed blob');
  if (payloadNeedsRelease(blob) !== (release !== null)) throw invalid(release === null ? 'the invite needs confirmation by the inviting device' : 'the invite needs no release');
  const key = payloadKey(crypto, inviteSecret, release);
  const plain = crypto.aeadOpen(blob.subarray(25), tokenBytes, blob.subarray(1, 25), key);
  if (plain === null) throw invalid('does not open with this link');
  try {
    const j = JSON.parse(fromUtf8(plain)) as { v?: unknown; workspace?: { id?: unknown; name?: unknown }; lockboxes?: unknown; info?: unknown };
    if (j.v !== PAYLOAD_VERSION || typeof j.workspace?.name !== 'string' || !Array.isArray(j.lockboxes)) throw invalid('malformed payload');
    if (typeof j.info !== 'object' || j.info === null || Array.isArray(j.info)) throw invalid('malformed payload info');
    const lockboxes = (j.lockboxes as unknown[]).map((b) => {
      if (typeof b !== 'string') throw invalid('malformed lockbox');
      return fromBase64Url(b);
    });
    return { workspace: { id: parseWorkspaceId(j.workspace.id), name: j.workspace.name }, lockboxes, info: j.info as Record<string, unknown> };
  } catch (e) {
    throw e instanceof TendrilError && e.code === 'E_INVITE_INVALID' ? e : invalid('malformed payload', e);
  }
}

/**
 * Opens every lockbox of a payload as the invite identity, accepting only
 * lockboxes signed by the token's issuer (`E_LOCKBOX_OPEN_FAILED`) and within
 * the token's scope (`E_INVITE_SCOPE`).
 */
export function openInviteLockboxes(crypto: CryptoProvider, token: InviteToken, inviteSecret: Secret<Uint8Array>, payload: InvitePayload): DocKeys[] {
  const recipient = inviteIdentity(crypto, inviteSecret);
  return payload.lockboxes.map((bytes) => {
    const { info, keys } = openLockbox(crypto, bytes, { recipient, trustSender: (d) => d === token.issuer });
    if (!mayGrant(token.scope, info.doc, info.write ? 'write' : 'read')) {
      throw new TendrilError('E_INVITE_SCOPE', `the invite carries ${info.write ? 'write' : 'read'} keys for ${info.doc} outside its scope`);
    }
    return keys;
  });
}
