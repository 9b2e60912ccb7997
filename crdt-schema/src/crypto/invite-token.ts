/**
 * Invite tokens: what an invite grants, signed by the issuing device.
 *
 * Layout: u8 version (=1) | varString inviteId | varString workspaceId | u8 role |
 *         varUint expiresAt (ms) | 32-byte issuer key | 32-byte enrollment key | varString relayUrl |
 *         varUint grants | grants | 64-byte signature over "tendril/invite-token/v1" || the rest
 * Grant:  u8 selector (0 all, 1 class + u8 class, 2 doc + varString docId) | u8 access (0 read, 1 write)
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { TendrilError } from '../errors.ts';
import { deviceIdFromPublicKey, parseDocId, parseInviteId, parseWorkspaceId, publicKeyOfDevice, type DeviceId, type InviteId, type WorkspaceId } from '../ids.ts';
import { concatBytes, Context, withContext } from './bytes.ts';
import { DOC_CLASSES, INVITE_ROLES, validateScope, type InviteRole, type InviteScope, type ScopeGrant } from './invite-scope.ts';
import type { DeviceIdentity } from './keys.ts';
import type { CryptoProvider } from './provider.ts';

const TOKEN_VERSION = 1;
const MAX_GRANTS = 1024;
const MAX_URL_LENGTH = 2048;

export interface InviteToken {
  readonly id: InviteId;
  readonly workspace: WorkspaceId;
  readonly role: InviteRole;
  readonly scope: InviteScope;
  /** Milliseconds since the Unix epoch; the invite is void from this instant. */
  readonly expiresAt: number;
  readonly issuer: DeviceId;
  /**
   * The invite's one-time enrollment identity (derived from the link secret): the joiner signs
   * its membership certificate with it, which proves it held the link.
   */
  readonly enrollKey: DeviceId;
  /** The relay the workspace syncs through. */
  readonly relayUrl: string;
}

const invalid = (why: string, cause?: unknown): TendrilError =>
  new TendrilError('E_INVITE_INVALID', `invite: ${why}`, cause === undefined ? undefined : { cause });

function writeGrant(enc: encoding.Encoder, grant: ScopeGrant): void {
  const s = grant.select;
  if ('all' in s) encoding.writeUint8(enc, 0);
  else if ('class' in s) {
    encoding.writeUint8(enc, 1);
    encoding.writeUint8(enc, DOC_CLASSES.indexOf(s.class));
  } else {
    encoding.writeUint8(enc, 2);
    encoding.writeVarString(enc, parseDocId(s.doc));
  }
  encoding.writeUint8(enc, grant.access === 'write' ? 1 : 0);
}

function readGrant(dec: decoding.Decoder): ScopeGrant {
  const tag = decoding.readUint8(dec);
  let select: ScopeGrant['select'];
  if (tag === 0) select = { all: true };
  else if (tag === 1) {
    const cls = DOC_CLASSES[decoding.readUint8(dec)];
    if (cls === undefined) throw invalid('unknown document class');
    select = { class: cls };
  } else if (tag === 2) select = { doc: parseDocId(decoding.readVarString(dec)) };
  else throw invalid('unknown selector');
  const access = decoding.readUint8(dec);
  if (access > 1) throw invalid('unknown access');
  return { select, access: access === 1 ? 'write' : 'read' };
}

function isRelayUrl(text: string): boolean {
  try {
    return ['ws:', 'wss:', 'http:', 'https:'].includes(new URL(text).protocol) && text.length <= MAX_URL_LENGTH;
  } catch {
    return false;
  }
}

/** Encodes and signs a token with the issuer's device key. */
export function signInviteToken(crypto: CryptoProvider, token: InviteToken, issuer: DeviceIdentity): Uint8Array {
  if (token.issuer !== issuer.deviceId) throw new TendrilError('E_BAD_INPUT', 'the token names another issuer');
  if (!isRelayUrl(token.relayUrl)) throw new TendrilError('E_BAD_INPUT', 'the relay URL must be ws(s) or http(s)');
  if (!Number.isSafeInteger(token.expiresAt) || token.expiresAt <= 0) throw new TendrilError('E_BAD_INPUT', 'expiresAt must be a time in ms');
  if (token.scope.length > MAX_GRANTS) throw new TendrilError('E_BAD_INPUT', 'invite scope too large');
  validateScope(token.role, token.scope);
  const enc = encoding.createEncoder();
  encoding.writeUint8(enc, TOKEN_VERSION);
  encoding.writeVarString(enc, parseInviteId(token.id));
  encoding.writeVarString(enc, parseWorkspaceId(token.workspace));
  encoding.writeUint8(enc, INVITE_ROLES.indexOf(token.role));
  encoding.writeVarUint(enc, token.expiresAt);
  encoding.writeUint8Array(enc, publicKeyOfDevice(token.issuer));
  encoding.writeUint8Array(enc, publicKeyOfDevice(token.enrollKey));
  encoding.writeVarString(enc, token.relayUrl);
  encoding.writeVarUint(enc, token.scope.length);
  for (const grant of token.scope) writeGrant(enc, grant);
  const body = encoding.toUint8Array(enc);
  return concatBytes(body, crypto.sign(withContext(Context.inviteToken, body), issuer.signSecretKey.expose()));
}

/** Decodes a token without checking anything but its shape; `E_INVITE_INVALID`. */
export function decodeInviteToken(bytes: Uint8Array): { token: InviteToken; body: Uint8Array; signature: Uint8Array; issuerKey: Uint8Array } {
  try {
    if (bytes.length < 64) throw invalid('token too short');
    const body = bytes.subarray(0, bytes.length - 64);
    const dec = decoding.createDecoder(body);
    if (decoding.readUint8(dec) !== TOKEN_VERSION) throw invalid('unsupported token version');
    const id = parseInviteId(decoding.readVarString(dec));
    const workspace = parseWorkspaceId(decoding.readVarString(dec));
    const role = INVITE_ROLES[decoding.readUint8(dec)];
    if (role === undefined) throw invalid('unknown role');
    const expiresAt = decoding.readVarUint(dec);
    const issuerKey = decoding.readUint8Array(dec, 32);
    const enrollKey = deviceIdFromPublicKey(decoding.readUint8Array(dec, 32));
    const relayUrl = decoding.readVarString(dec);
    const count = decoding.readVarUint(dec);
    if (!isRelayUrl(relayUrl) || count > MAX_GRANTS) throw invalid('bad relay URL or too many grants');
    const scope: ScopeGrant[] = [];
    for (let i = 0; i < count; i++) scope.push(readGrant(dec));
    if (decoding.hasContent(dec)) throw invalid('trailing bytes');
    const token = { id, workspace, role, scope, expiresAt, issuer: deviceIdFromPublicKey(issuerKey), enrollKey, relayUrl };
    return { token, body, signature: bytes.subarray(bytes.length - 64), issuerKey };
  } catch (e) {
    throw e instanceof TendrilError && e.code === 'E_INVITE_INVALID' ? e : invalid('malformed token', e);
  }
}

export interface VerifyInviteOptions {
  /** Current time in ms (injected clock). */
  readonly now: number;
  /** Issuer side: true when this invite id was already redeemed. */
  isUsed?(id: InviteId): boolean;
}

/**
 * Checks, in order: shape and signature (`E_INVITE_INVALID`), expiry
 * (`E_INVITE_EXPIRED`), one-time use (`E_INVITE_USED`), scope against the
 * role (`E_INVITE_SCOPE`). Returns the token when all pass.
 */
export function verifyInviteToken(crypto: CryptoProvider, bytes: Uint8Array, options: VerifyInviteOptions): InviteToken {
  const { token, body, signature, issuerKey } = decodeInviteToken(bytes);
  if (!crypto.verify(signature, withContext(Context.inviteToken, body), issuerKey)) throw invalid('issuer signature does not verify');
  if (options.now >= token.expiresAt) throw new TendrilError('E_INVITE_EXPIRED', `invite ${token.id} expired at ${new Date(token.expiresAt).toISOString()}`);
  if (options.isUsed?.(token.id) === true) throw new TendrilError('E_INVITE_USED', `invite ${token.id} was already used`);
  validateScope(token.role, token.scope);
  return token;
}
