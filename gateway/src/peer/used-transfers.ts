/**
 * The file-transfer ids a gateway has seen, per session and device, so a
 * relay that kept a signed upload or download request cannot have it run
 * again, before or after a gateway restart (an old upload would roll a file
 * back). Each id is kept with the request's signed time: a request older
 * than the gateway's clock window is refused by age anyway, so ids older than
 * that window can be pruned and the store stays bounded.
 *
 * What a store must guarantee: `claim` returns true at most once per
 * (session, device, id), and only once the claim would survive the gateway
 * process dying.
 */
import type { DeviceId, SessionId } from '@tendril/crdt-schema/ids';

export interface UsedTransferStore {
  /** Marks the id used; false when it was used before (a replay). */
  claim(session: SessionId, device: DeviceId, id: number, at: number): boolean;
  /** Drops ids whose request time is before `before` (requests that old are refused by age). */
  prune(before: number): void;
}

/** A store that lives as long as the process (tests, gateways without a home). */
export function memoryUsedTransfers(): UsedTransferStore {
  const used = new Map<string, number>();
  return {
    claim(session, device, id, at) {
      const key = `${session}|${device}|${id}`;
      if (used.has(key)) return false;
      used.set(key, at);
      return true;
    },
    prune(before) {
      for (const [key, at] of used) if (at < before) used.delete(key);
    },
  };
}
