/**
 * Who owns each terminal session, as the gateway itself verified it from the
 * session's signed start request. The owner named in the session document is
 * a field any member with terminal keys can rewrite, so the gateway never
 * reads it back: it keeps its own record here, in its home, so the record
 * survives a restart and a shell re-attached from tmux keeps its owner.
 *
 * What a store must guarantee: `record` returns only once the owner would
 * survive the gateway process dying, and a recorded owner is never replaced.
 */
import type { DeviceId, SessionId } from '@tendril/crdt-schema/ids';

export interface SessionOwnerStore {
  /** The owner recorded for the session, or undefined. */
  owner(session: SessionId): DeviceId | undefined;
  /** Records the session's owner; a session that has one keeps it. */
  record(session: SessionId, owner: DeviceId): void;
}

/** A store that lives as long as the process (tests, gateways without a home). */
export function memoryOwnerStore(): SessionOwnerStore {
  const owners = new Map<SessionId, DeviceId>();
  return {
    owner: (session) => owners.get(session),
    record(session, owner) {
      if (!owners.has(session)) owners.set(session, owner);
    },
  };
}
