/**
 * Enrol: makes a device a member of the workspace at the relay. Admin form:
 * a registered admin's signature over the enrol bytes (admin-signed.ts), for
 * any device key. Invite form: the joining device presents an invite token;
 * the relay checks that a registered admin of this workspace signed it, that
 * it has not expired, and that the enrollment key it names signed this very
 * device, which must be the connection's own; one device per invite
 * (E_INVITE_USED). Success is silent, like Revoke and AddAdmin.
 */
import { enrolBytes, readInviteClaims, type EnrolFrame } from '@tendril/crdt-schema/wire';
import { isTendrilError } from '@tendril/crdt-schema/errors';
import { publicKeyOfDevice } from '@tendril/crdt-schema/ids';
import { bytesEqual } from '../../store/bytes.ts';
import type { Connection } from '../connection.ts';
import type { RelayContext } from '../context.ts';
import { adminSigned } from './admin-signed.ts';

export async function handleEnrol(ctx: RelayContext, conn: Connection, f: EnrolFrame): Promise<void> {
  const message = enrolBytes(f.workspace, f.device);
  if (f.token.length === 0) {
    if (!(await adminSigned(ctx, conn, { workspace: f.workspace, admin: f.signer, message, signature: f.signature, what: 'enrolment' }))) return;
    await ctx.track(ctx.store.enrolDevice(f.workspace, f.device));
    ctx.logger.info('device.enrolled', { workspace: f.workspace, by: f.signer });
    return;
  }
  const identity = conn.identity!;
  if (f.workspace !== identity.workspace || !bytesEqual(f.device, identity.deviceKey)) {
    conn.error('E_FORBIDDEN', { detail: 'an invite enrols the connected device, in its own workspace' });
    return;
  }
  let claims;
  try {
    claims = readInviteClaims(f.token);
  } catch (e) {
    conn.error(isTendrilError(e) ? e.code : 'E_INVITE_INVALID', { detail: 'the invite token does not parse' });
    return;
  }
  const record = await ctx.store.getWorkspace(identity.workspace);
  if (claims.workspace !== identity.workspace || !record?.admins.some((k) => bytesEqual(k, claims.issuerKey))) {
    conn.error('E_FORBIDDEN', { detail: 'the invite was not issued by an admin of this workspace' });
    return;
  }
  if (!ctx.verifier.verify(claims.issuerKey, claims.signed, claims.signature)) {
    conn.error('E_INVITE_INVALID', { detail: 'the invite signature does not verify' });
    return;
  }
  if (claims.expiresAt <= ctx.clock.now()) {
    conn.error('E_INVITE_EXPIRED');
    return;
  }
  if (f.signer !== claims.enrollKey || !ctx.verifier.verify(publicKeyOfDevice(claims.enrollKey), message, f.signature)) {
    conn.error('E_AUTH_FAILED', { detail: "the enrolment is not signed by the invite's enrollment key" });
    return;
  }
  if ((await ctx.track(ctx.store.enrolDevice(identity.workspace, f.device, claims.invite))) === 'invite-used') {
    conn.error('E_INVITE_USED', { detail: 'this invite already enrolled another device' });
    return;
  }
  ctx.logger.info('device.enrolled', { workspace: identity.workspace, device: identity.device, invite: claims.invite });
}
