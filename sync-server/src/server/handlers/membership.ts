/**
 * Only members store anything. A device is a member of its connection's
 * workspace when it is a registered admin (it created the workspace, or an
 * admin vouched for it in AddAdmin) or it was enrolled (Enrol: by an admin,
 * or by itself with an invite an admin signed). Others may connect, take
 * blobs (a joiner fetching its invite) and read what a capability opens, but
 * register no document, append nothing, park no blob: E_NOT_MEMBER.
 */
import { bytesEqual } from '../../store/bytes.ts';
import type { Connection } from '../connection.ts';
import type { RelayContext } from '../context.ts';

export async function isMember(ctx: RelayContext, conn: Connection): Promise<boolean> {
  const { workspace, deviceKey } = conn.identity!;
  const record = await ctx.store.getWorkspace(workspace);
  if (record?.admins.some((k) => bytesEqual(k, deviceKey))) return true;
  return ctx.store.isMember(workspace, deviceKey);
}

/** True when the connection's device is a member; otherwise refuses with E_NOT_MEMBER. */
export async function requireMember(ctx: RelayContext, conn: Connection, about: { doc?: string; ref?: number; what: string }): Promise<boolean> {
  if (await isMember(ctx, conn)) return true;
  conn.error('E_NOT_MEMBER', { ...(about.doc ? { doc: about.doc } : {}), ...(about.ref ? { ref: about.ref } : {}), detail: `${about.what} needs a member device` });
  return false;
}
