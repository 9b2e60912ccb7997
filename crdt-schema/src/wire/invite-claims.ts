/**
 * What the relay may read of an invite token (crypto/invite-token.ts owns the
 * format): the invite id, workspace, expiry, issuer key and enrollment key,
 * and the bytes the issuer's signature covers. The relay checks that an admin
 * it knows issued the invite, that it has not expired, and that the joiner
 * holds its enrollment key (Enrol's invite form); it never sees the link
 * secret or the keys the invite carries.
 */
import * as dec from 'lib0/decoding';
import { TendrilError } from '../errors.ts';
import { deviceIdFromPublicKey, parseInviteId, parseWorkspaceId, type DeviceId, type WorkspaceId } from '../ids.ts';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from './limits.ts';

/** The domain tag the issuer signs the token under (Context.inviteToken in crypto/bytes.ts). */
const TOKEN_CONTEXT = new TextEncoder().encode('tendril/invite-token/v1');
const TOKEN_VERSION = 1;

export interface InviteClaims {
  readonly invite: string;
  readonly workspace: WorkspaceId;
  /** Milliseconds since the Unix epoch; void from this instant. */
  readonly expiresAt: number;
  readonly issuerKey: Uint8Array;
  readonly enrollKey: DeviceId;
  /** What the issuer's signature covers. */
  readonly signed: Uint8Array;
  readonly signature: Uint8Array;
}

/** Reads the claims; E_INVITE_INVALID when the token does not parse. Nothing is verified here. */
export function readInviteClaims(token: Uint8Array): InviteClaims {
  try {
    if (token.length <= SIGNATURE_BYTES) throw new Error('token too short');
    const body = token.subarray(0, token.length - SIGNATURE_BYTES);
    const d = dec.createDecoder(body);
    if (dec.readUint8(d) !== TOKEN_VERSION) throw new Error('unsupported token version');
    const invite = parseInviteId(dec.readVarString(d));
    const workspace = parseWorkspaceId(dec.readVarString(d));
    dec.readUint8(d); // role: the relay does not need it
    const expiresAt = dec.readVarUint(d);
    const issuerKey = dec.readUint8Array(d, PUBLIC_KEY_BYTES).slice();
    const enrollKey = deviceIdFromPublicKey(dec.readUint8Array(d, PUBLIC_KEY_BYTES));
    const signed = new Uint8Array(TOKEN_CONTEXT.length + body.length);
    signed.set(TOKEN_CONTEXT);
    signed.set(body, TOKEN_CONTEXT.length);
    return { invite, workspace, expiresAt, issuerKey, enrollKey, signed, signature: token.slice(token.length - SIGNATURE_BYTES) };
  } catch (cause) {
    throw new TendrilError('E_INVITE_INVALID', 'the invite token does not parse', { cause });
  }
}
