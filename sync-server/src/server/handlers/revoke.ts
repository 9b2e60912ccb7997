/**
 * Revoke: a workspace admin's signed statement that a device is out. The
 * relay checks the signer is a registered admin of the connection's
 * workspace and the signature verifies, records it, and closes the device's
 * open connections with E_REVOKED. Its later hellos are refused.
 */
import { deviceIdFromPublicKey, publicKeyOfDevice } from '@tendril/crdt-schema/ids';
import { revokeBytes, type RevokeFrame } from '@tendril/crdt-schema/wire';
import { bytesEqual } from '../../store/bytes.ts';
import type { Connection } from '../connection.ts';
import type { RelayContext } from '../context.ts';

export async function handleRevoke(ctx: RelayContext, conn: Connection, f: RevokeFrame): Promise<void> {
  const { workspace } = conn.identity!;
  if (f.workspace !== workspace) {
    conn.error('E_FORBIDDEN', { detail: 'a revocation for another workspace' });
    return;
  }
  const record = await ctx.store.getWorkspace(workspace);
  const adminKey = publicKeyOfDevice(f.admin);
  if (!record?.admins.some((k) => bytesEqual(k, adminKey))) {
    conn.error('E_FORBIDDEN', { detail: 'the signer is not an admin of this workspace' });
    return;
  }
  if (!ctx.verifier.verify(adminKey, revokeBytes(f.workspace, f.device, f.at), f.signature)) {
    conn.error('E_AUTH_FAILED', { detail: 'the revocation signature does not verify' });
    return;
  }
  // Recorded under the canonical id, the only spelling a hello is accepted with.
  const device = deviceIdFromPublicKey(publicKeyOfDevice(f.device));
  await ctx.track(ctx.store.revokeDevice(workspace, device, f.at));
  const open = ctx.connectionsOf(workspace, device);
  for (const c of open) c.fail('E_REVOKED');
  ctx.logger.info('device.revoked', { workspace, device, by: f.admin, closed: open.length });
}
