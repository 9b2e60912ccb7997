/**
 * AddAdmin: a registered admin's signed statement that another key is an
 * admin of the workspace too (a device restored from that admin's backup).
 * After the shared admin check (admin-signed.ts) the relay adds the key;
 * from then on its revocations are honoured. Success is silent, like Revoke.
 */
import { addAdminBytes, type AddAdminFrame } from '@tendril/crdt-schema/wire';
import type { Connection } from '../connection.ts';
import type { RelayContext } from '../context.ts';
import { adminSigned } from './admin-signed.ts';

export async function handleAddAdmin(ctx: RelayContext, conn: Connection, f: AddAdminFrame): Promise<void> {
  const message = addAdminBytes(f.workspace, f.key);
  if (!(await adminSigned(ctx, conn, { workspace: f.workspace, admin: f.admin, message, signature: f.signature, what: 'admin addition' }))) return;
  await ctx.track(ctx.store.addAdmin(f.workspace, f.key));
  ctx.logger.info('workspace.admin-added', { workspace: f.workspace, by: f.admin });
}
