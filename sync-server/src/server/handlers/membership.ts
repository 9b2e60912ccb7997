/**
 * Only members store anything. A device is a member of its connection's
 * workspace when it is a registered admin (it created the workspace, or an
 * admin vouched for it in AddAdmin) or it was enrolled (Enrol: by an admin,
 * or by itself with an invite an admin signed). Others may connect, take
 * blobs (a joiner fetching its invite) and read what a capability opens, but
 * register no document, append nothing, park no blob: E_NOT_MEMBER.
 */
import type { WorkspaceId } from '@tendril/crdt-schema/ids';
import { bytesEqual } from '../../store/bytes.ts';
import type { RelayStore } from '../../store/types.ts';
import type { Connection } from '../connection.ts';
import type { RelayContext } from '../context.ts';

/** Whether the device key is an admin or an enrolled member of the workspace (false for an unknown workspace). */
export async function deviceIsMember(store: Pick<RelayStore, 'getWorkspace' | 'isMember'>, workspace: WorkspaceId, deviceKey: Uint8Array): Promise<boolean> {
  const record = await store.getWorkspace(workspace);
  if (!record) return false;
  if (record.admins.some((k) => bytesEqual(k, deviceKey))) return true;
  return store.isMember(workspace, deviceKey);
}

export async function isMember(ctx: RelayContext, conn: Connection): Promise<boolean> {
  const { workspace, deviceKey } = conn.identity!;
  return deviceIsMember(ctx.store, workspace, deviceKey);
}

/** True when the connection's device is a member; otherwise refuses with E_NOT_MEMBER. */
export async function requireMember(ctx: RelayContext, conn: Connection, about: { doc?: string; ref?: number; what: string }): Promise<boolean> {
  if (await isMember(ctx, conn)) return true;
  conn.error('E_NOT_MEMBER', { ...(about.doc ? { doc: about.doc } : {}), ...(about.ref ? { ref: about.ref } : {}), detail: `${about.what} needs a member device` });
  return false;
}
