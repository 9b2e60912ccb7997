/**
 * Revoke: a workspace admin's signed statement that a device is out. The
 * relay checks the signer is a registered admin of the connection's
 * workspace and the signature verifies (admin-signed.ts), records it, and
 * closes the device's open connections with E_REVOKED, here and (through the
 * fan-out) on every other relay process on the store. Its later hellos are
 * refused.
 */
import { deviceIdFromPublicKey, publicKeyOfDevice } from '@tendril/crdt-schema/ids';
import { revokeBytes, type RevokeFrame } from '@tendril/crdt-schema/wire';
import type { Connection } from '../connection.ts';
import type { RelayContext } from '../context.ts';
import { adminSigned } from './admin-signed.ts';

export async function handleRevoke(ctx: RelayContext, conn: Connection, f: RevokeFrame): Promise<void> {
  const message = revokeBytes(f.workspace, f.device, f.at);
  if (!(await adminSigned(ctx, conn, { workspace: f.workspace, admin: f.admin, message, signature: f.signature, what: 'revocation' }))) return;
  // Recorded under the canonical id, the only spelling a hello is accepted with.
  const device = deviceIdFromPublicKey(publicKeyOfDevice(f.device));
  await ctx.track(ctx.store.revokeDevice(f.workspace, device, f.at));
  ctx.announce({ kind: 'revoked', workspace: f.workspace, device });
  const open = ctx.connectionsOf(f.workspace, device);
  for (const c of open) c.fail('E_REVOKED');
  ctx.logger.info('device.revoked', { workspace: f.workspace, device, by: f.admin, closed: open.length });
}
