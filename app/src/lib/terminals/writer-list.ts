/**
 * The "Who can type" list of a terminal session, from the verified writers
 * (owner first, as the gateway sees them) and the workspace members: a name
 * for each writer, and the people's devices that could still be added.
 */
import type { DeviceId } from '@tendril/crdt-schema/ids';
import type { Member } from '@tendril/crdt-schema/schema';

export interface WriterRow {
  readonly device: DeviceId;
  readonly name: string;
  readonly owner: boolean;
}

/** Roles of devices a person types on; gateways and workers get their places otherwise. */
const PEOPLE = new Set<Member['role']>(['admin', 'device']);

const current = (m: Member): boolean => m.revokedAt === undefined;

/** One row per verified writer, in the verified order (the owner comes first). */
export function writerRows(verified: readonly DeviceId[], members: readonly Member[]): WriterRow[] {
  return verified.map((device, i) => ({
    device,
    name: members.find((m) => m.device === device)?.name ?? 'an unknown device',
    owner: i === 0,
  }));
}

/** Current members' devices a person types on that are not writers yet, by name. */
export function addableDevices(members: readonly Member[], verified: readonly DeviceId[]): Member[] {
  return members
    .filter((m) => current(m) && PEOPLE.has(m.role) && !verified.includes(m.device))
    .sort((a, b) => a.name.localeCompare(b.name));
}
