/**
 * The check Revoke and AddAdmin share: the statement names the connection's
 * workspace, its signer is a registered admin of that workspace, and the
 * signature over `message` verifies under the admin's key. Refusals are sent
 * to the connection (E_FORBIDDEN, E_AUTH_FAILED); true when it may proceed.
 */
import { publicKeyOfDevice, type DeviceId, type DocId, type WorkspaceId } from '@tendril/crdt-schema/ids';
import { bytesEqual } from '../../store/bytes.ts';
import type { Connection } from '../connection.ts';
import type { RelayContext } from '../context.ts';

export async function adminSigned(
  ctx: RelayContext,
  conn: Connection,
  s: { workspace: WorkspaceId; admin: DeviceId; message: Uint8Array; signature: Uint8Array; what: string; doc?: DocId; ref?: number },
): Promise<boolean> {
  const about = { ...(s.doc ? { doc: s.doc } : {}), ...(s.ref ? { ref: s.ref } : {}) };
  if (s.workspace !== conn.identity!.workspace) {
    conn.error('E_FORBIDDEN', { ...about, detail: `${s.what} for another workspace` });
    return false;
  }
  const record = await ctx.store.getWorkspace(s.workspace);
  const adminKey = publicKeyOfDevice(s.admin);
  if (!record?.admins.some((k) => bytesEqual(k, adminKey))) {
    conn.error('E_FORBIDDEN', { ...about, detail: `only an admin of this workspace may sign a ${s.what}` });
    return false;
  }
  if (!ctx.verifier.verify(adminKey, s.message, s.signature)) {
    conn.error('E_AUTH_FAILED', { ...about, detail: `the ${s.what} signature does not verify` });
    return false;
  }
  return true;
}
