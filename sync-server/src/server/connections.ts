/**
 * The open connections of one relay instance, with a count of authenticated
 * connections per device and per workspace (the caps that strangers cannot
 * fill: only a verified hello counts), and the documents a workspace's
 * connections follow, summed on demand from the connections themselves so the
 * figure cannot drift from what is held.
 */
import type { DeviceId, WorkspaceId } from '@tendril/crdt-schema/ids';
import type { Connection, Identity } from './connection.ts';

/** Adds `by` to the count of `device` in `workspace`; a count that reaches 0 is removed (and an empty workspace). */
function bump(map: Map<WorkspaceId, Map<DeviceId, number>>, workspace: WorkspaceId, device: DeviceId, by: number): void {
  let of = map.get(workspace);
  if (!of) map.set(workspace, (of = new Map()));
  const n = (of.get(device) ?? 0) + by;
  if (n > 0) of.set(device, n);
  else of.delete(device);
  if (of.size === 0) map.delete(workspace);
}

export class ConnectionRegistry {
  private readonly all = new Set<Connection>();
  private readonly counted = new Map<Connection, Identity>();
  /** Keyed by the identities' own strings, so a count costs no key of its own. */
  private readonly perDevice = new Map<WorkspaceId, Map<DeviceId, number>>();
  private readonly perWorkspace = new Map<string, Set<Connection>>();

  add(conn: Connection): void {
    this.all.add(conn);
  }

  /** Counts `conn` as authenticated under `identity` (once). */
  authenticated(conn: Connection, identity: Identity): void {
    if (!this.all.has(conn) || this.counted.has(conn)) return;
    this.counted.set(conn, identity);
    bump(this.perDevice, identity.workspace, identity.device, 1);
    let of = this.perWorkspace.get(identity.workspace);
    if (!of) this.perWorkspace.set(identity.workspace, (of = new Set()));
    of.add(conn);
  }

  remove(conn: Connection): void {
    if (!this.all.delete(conn)) return;
    const identity = this.counted.get(conn);
    if (!identity) return;
    this.counted.delete(conn);
    bump(this.perDevice, identity.workspace, identity.device, -1);
    const of = this.perWorkspace.get(identity.workspace);
    of?.delete(conn);
    if (of?.size === 0) this.perWorkspace.delete(identity.workspace);
  }

  countOfDevice(workspace: WorkspaceId, device: DeviceId): number {
    return this.perDevice.get(workspace)?.get(device) ?? 0;
  }

  countOfWorkspace(workspace: WorkspaceId): number {
    return this.perWorkspace.get(workspace)?.size ?? 0;
  }

  /** Documents followed by the workspace's open connections on this relay (one per connection and document). */
  subscriptionsOfWorkspace(workspace: WorkspaceId): number {
    let n = 0;
    for (const conn of this.perWorkspace.get(workspace) ?? []) n += conn.subs.size;
    return n;
  }

  get size(): number {
    return this.all.size;
  }

  list(): Connection[] {
    return [...this.all];
  }

  of(workspace: WorkspaceId, device: DeviceId): Connection[] {
    return this.list().filter((c) => c.identity?.workspace === workspace && c.identity.device === device);
  }
}
