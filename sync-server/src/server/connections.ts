/** The open connections of one relay instance, with a count per remote address. */
import type { DeviceId, WorkspaceId } from '@tendril/crdt-schema/ids';
import type { Connection } from './connection.ts';

export class ConnectionRegistry {
  private readonly all = new Set<Connection>();
  private readonly perIp = new Map<string, number>();

  add(conn: Connection): void {
    this.all.add(conn);
    this.perIp.set(conn.d.ip, (this.perIp.get(conn.d.ip) ?? 0) + 1);
  }

  remove(conn: Connection): void {
    if (!this.all.delete(conn)) return;
    const n = (this.perIp.get(conn.d.ip) ?? 1) - 1;
    if (n > 0) this.perIp.set(conn.d.ip, n);
    else this.perIp.delete(conn.d.ip);
  }

  countFrom(ip: string): number {
    return this.perIp.get(ip) ?? 0;
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
