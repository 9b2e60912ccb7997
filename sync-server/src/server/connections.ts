/**
 * The open connections of one relay instance, with a count of authenticated
 * connections per device and per workspace (the caps that strangers cannot
 * fill: only a verified hello counts).
 */
import type { DeviceId, WorkspaceId } from '@tendril/crdt-schema/ids';
import type { Connection, Identity } from './connection.ts';

const deviceKey = (workspace: WorkspaceId, device: DeviceId): string => `${workspace}/${device}`;

function bump(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n > 0) map.set(key, n);
  else map.delete(key);
}

export class ConnectionRegistry {
  private readonly all = new Set<Connection>();
  private readonly counted = new Map<Connection, Identity>();
  private readonly perDevice = new Map<string, number>();
  private readonly perWorkspace = new Map<string, number>();

  add(conn: Connection): void {
    this.all.add(conn);
  }

  /** Counts `conn` as authenticated under `identity` (once). */
  authenticated(conn: Connection, identity: Identity): void {
    if (!this.all.has(conn) || this.counted.has(conn)) return;
    this.counted.set(conn, identity);
    bump(this.perDevice, deviceKey(identity.workspace, identity.device), 1);
    bump(this.perWorkspace, identity.workspace, 1);
  }

  remove(conn: Connection): void {
    if (!this.all.delete(conn)) return;
    const identity = this.counted.get(conn);
    if (!identity) return;
    this.counted.delete(conn);
    bump(this.perDevice, deviceKey(identity.workspace, identity.device), -1);
    bump(this.perWorkspace, identity.workspace, -1);
  }

  countOfDevice(workspace: WorkspaceId, device: DeviceId): number {
    return this.perDevice.get(deviceKey(workspace, device)) ?? 0;
  }

  countOfWorkspace(workspace: WorkspaceId): number {
    return this.perWorkspace.get(workspace) ?? 0;
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
