/**
 * The members of a workspace: every device, gateway and worker with its role
 * and the public key lockboxes are sealed to. Revocation is a separate,
 * add-only record, so a concurrent edit of a member entry can never undo it;
 * a revoked device id stays revoked (a re-invited device gets a new key).
 */
import * as Y from 'yjs';
import { TendrilError } from '../errors.ts';
import type { DeviceId } from '../ids.ts';
import { badInput, checkEnum, checkText, compareStrings, entryOf, readBytes, readEnum, readNumber, readRecord, readString, requireEntry, type YMap } from './fields.ts';
import { MEMBER_ENTRY, WORKSPACE } from './keys.ts';
import type { Writer } from './writer.ts';

export const ROLES = ['admin', 'device', 'gateway', 'worker', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface Member {
  readonly device: DeviceId;
  readonly name: string;
  readonly role: Role;
  /** X25519 public key that lockboxes for this device are sealed to. */
  readonly boxPublicKey: Uint8Array;
  readonly addedBy: DeviceId;
  readonly addedAt: number;
  readonly lastSeen?: number;
  readonly revokedAt?: number;
  readonly revokedBy?: DeviceId;
  /** The key epoch from which the device's envelopes are refused. */
  readonly revokedEpoch?: number;
  /** Signed membership certificate (workspace/membership.ts), verified by readers. */
  readonly cert?: Uint8Array;
  /** Signed revocation by an admin, verified by readers. */
  readonly revocationCert?: Uint8Array;
}

export interface NewMember {
  readonly device: DeviceId;
  readonly name: string;
  readonly role: Role;
  readonly boxPublicKey: Uint8Array;
  readonly addedBy: DeviceId;
  readonly cert?: Uint8Array;
}

export interface Revocation {
  readonly by: DeviceId;
  readonly epoch?: number;
  readonly cert?: Uint8Array;
}

export function membersSection(doc: Y.Doc, w: Writer) {
  const members = doc.getMap<unknown>(WORKSPACE.members);
  const revocations = doc.getMap<unknown>(WORKSPACE.revocations);

  const read = (device: string, m: YMap): Member | undefined => {
    const role = readEnum(m, MEMBER_ENTRY.role, ROLES);
    const boxPublicKey = readBytes(m, MEMBER_ENTRY.boxPublicKey);
    const addedBy = readString(m, MEMBER_ENTRY.addedBy);
    const addedAt = readNumber(m, MEMBER_ENTRY.addedAt);
    if (role === undefined || boxPublicKey === undefined || addedBy === undefined || addedAt === undefined) return undefined;
    const revoked = readRecord(revocations, device);
    return {
      device: device as DeviceId,
      name: readString(m, MEMBER_ENTRY.name) ?? '',
      role,
      boxPublicKey,
      addedBy: addedBy as DeviceId,
      addedAt,
      lastSeen: readNumber(m, MEMBER_ENTRY.lastSeen),
      revokedAt: typeof revoked?.at === 'number' ? revoked.at : undefined,
      revokedBy: typeof revoked?.by === 'string' ? (revoked.by as DeviceId) : undefined,
      revokedEpoch: typeof revoked?.epoch === 'number' ? revoked.epoch : undefined,
      cert: readBytes(m, MEMBER_ENTRY.cert),
      revocationCert: revoked?.cert instanceof Uint8Array ? revoked.cert : undefined,
    };
  };
  const edit = (device: DeviceId, change: (m: YMap) => void): void => {
    const m = requireEntry(members, device, 'member');
    w.write(() => change(m));
  };

  return {
    /** Adds a device, or updates the name, role and key of a present one. Throws E_REVOKED for a revoked device. */
    add(input: NewMember): Member {
      const name = checkText(input.name, 'name', 200);
      const role = checkEnum(input.role, 'role', ROLES);
      if (!(input.boxPublicKey instanceof Uint8Array) || input.boxPublicKey.length !== 32) badInput('boxPublicKey must be 32 bytes');
      if (revocations.has(input.device)) throw new TendrilError('E_REVOKED', `device ${input.device} was revoked`);
      const at = w.now();
      const existing = entryOf(members, input.device);
      const m: YMap = existing ?? new Y.Map<unknown>();
      w.write(() => {
        if (existing === undefined) {
          members.set(input.device, m);
          m.set(MEMBER_ENTRY.addedBy, input.addedBy);
          m.set(MEMBER_ENTRY.addedAt, at);
        }
        m.set(MEMBER_ENTRY.name, name);
        m.set(MEMBER_ENTRY.role, role);
        m.set(MEMBER_ENTRY.boxPublicKey, input.boxPublicKey);
        if (input.cert !== undefined) m.set(MEMBER_ENTRY.cert, input.cert);
      });
      return read(input.device, m)!;
    },
    get(device: DeviceId): Member | undefined {
      const m = entryOf(members, device);
      return m === undefined ? undefined : read(device, m);
    },
    setRole(device: DeviceId, role: Role): void {
      const r = checkEnum(role, 'role', ROLES);
      edit(device, (m) => m.set(MEMBER_ENTRY.role, r));
    },
    rename(device: DeviceId, name: string): void {
      const n = checkText(name, 'name', 200);
      edit(device, (m) => m.set(MEMBER_ENTRY.name, n));
    },
    /** Records that the device was seen now (never moves lastSeen backwards). */
    seen(device: DeviceId, at: number = w.now()): void {
      edit(device, (m) => {
        if ((readNumber(m, MEMBER_ENTRY.lastSeen) ?? 0) < at) m.set(MEMBER_ENTRY.lastSeen, at);
      });
    },
    /** Revokes a device for good. Idempotent: the first revocation seen locally is kept. */
    revoke(device: DeviceId, by: DeviceId | Revocation): void {
      if (revocations.has(device)) return;
      const at = w.now();
      const r: Revocation = typeof by === 'string' ? { by } : by;
      w.write(() =>
        revocations.set(device, { at, by: r.by, ...(r.epoch !== undefined ? { epoch: r.epoch } : {}), ...(r.cert !== undefined ? { cert: r.cert } : {}) }),
      );
    },
    /** A member that is not revoked. */
    isActive(device: DeviceId): boolean {
      return entryOf(members, device) !== undefined && !revocations.has(device);
    },
    /** Members by device id; revoked ones only when asked. */
    list(options: { includeRevoked?: boolean } = {}): Member[] {
      const out: Member[] = [];
      for (const device of members.keys()) {
        const m = entryOf(members, device);
        const member = m === undefined ? undefined : read(device, m);
        if (member !== undefined && (options.includeRevoked === true || member.revokedAt === undefined)) out.push(member);
      }
      return out.sort((a, b) => compareStrings(a.device, b.device));
    },
  };
}
