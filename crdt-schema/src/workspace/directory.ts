/**
 * Who may author envelopes in which scope, as read from the synced workspace
 * index. A peer checks every envelope's author against it (after the
 * signature, before decrypting): the relay cannot inject writes even with the
 * help of a read-only member who holds the content key.
 */
import type { DeviceId, KeyEpoch } from '../ids.ts';
import { canWrite, type Role, type Scope } from '../keyring/scopes.ts';

export interface MemberRecord {
  readonly role: Role;
  /** Set once an admin revoked the device: envelopes sealed at this epoch or later are refused. */
  readonly revokedAtEpoch?: number;
}

export interface Directory {
  /** The verified member record of a device, if any. */
  member(device: DeviceId): MemberRecord | undefined;
}

/** True when `author` may write envelopes of `scope` sealed at `epoch`. */
export function mayAuthor(dir: Directory, author: DeviceId, scope: Scope, epoch: KeyEpoch): boolean {
  const m = dir.member(author);
  if (!m) return false;
  if (m.revokedAtEpoch !== undefined && epoch >= m.revokedAtEpoch) return false;
  return canWrite(m.role, scope);
}
