/**
 * AddAdmin: a registered admin's signed statement that another key is an
 * admin of the workspace too (a device restored from that admin's backup).
 * The relay checks the signer is a registered admin of the connection's
 * workspace and the signature verifies, then adds the key; from then on its
 * revocations are honoured. Success is silent, like Revoke.
 */
import { publicKeyOfDevice } from '@tendril/crdt-schema/ids';
import { addAdminBytes, type AddAdminFrame } from '@tendril/crdt-schema/wire';
import { bytesEqual } from '../../store/bytes.ts';
import type { Connection } from '../connection.ts';
import type { RelayContext } from '../context.ts';

export async function handleAddAdmin(ctx: RelayContext, conn: Connection, f: AddAdminFrame): Promise<void> {
  const { workspace } = conn.identity!;
  if (f.workspace !== workspace) {
    conn.error('E_FORBIDDEN', { detail: 'an admin for another workspace' });
    return;
  }
  const record = await ctx.store.getWorkspace(workspace);
  const adminKey = publicKeyOfDevice(f.admin);
  if (!record?.admins.some((k) => bytesEqual(k, adminKey))) {
    conn.error('E_FORBIDDEN', { detail: 'the signer is not an admin of this workspace' });
    return;
  }
  if (!ctx.verifier.verify(adminKey, addAdminBytes(f.workspace, f.key), f.signature)) {
    conn.error('E_AUTH_FAILED', { detail: 'the admin signature does not verify' });
    return;
  }
  await ctx.track(ctx.store.addAdmin(workspace, f.key));
  ctx.logger.info('workspace.admin-added', { workspace, by: f.admin });
}
