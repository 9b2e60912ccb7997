/**
 * Taking the run lease of one scheduled run (permissions-leases.ts) before
 * running it, so that with several workers online each scheduled time of a
 * plugin or playbook runs on one worker: claim the slot, wait until the claim
 * reached the relay (and concurrent claims reached this worker), wait a
 * settle window, and run only if the lease still names this worker for that
 * slot. A claim that cannot be synced is not run here (another worker may
 * hold it; a run missed that way is not replayed).
 */
import type { DeviceId } from '@tendril/crdt-schema/ids';
import type { PermissionsDoc } from '@tendril/crdt-schema/schema';
import { waitFor } from '../agent/abortable-wait.ts';

export interface RunLeaseOptions {
  readonly permissions: PermissionsDoc;
  /** Resolves once this worker's writes reached the relay and the relay's reached it (DocSync.whenSynced). */
  readonly whenSynced: (timeoutMs: number) => Promise<void>;
  readonly me: DeviceId;
  /** How long a lease lasts (default 60 s); it only says who took the slot, runs may take longer. */
  readonly leaseMs?: number;
  /** The wait after syncing before deciding (default 300 ms). */
  readonly settleMs?: number;
  readonly signal?: AbortSignal;
  readonly log?: (line: string) => void;
}

/** A function that says whether this worker runs `job` at its scheduled time `slot`. */
export type RunLease = (job: string, slot: number) => Promise<boolean>;

export function runLease(o: RunLeaseOptions): RunLease {
  const leaseMs = o.leaseMs ?? 60_000;
  return async (job, slot) => {
    if (!o.permissions.leases.claim(job, slot, o.me, leaseMs)) return false;
    try {
      await o.whenSynced(leaseMs);
    } catch (e) {
      o.log?.(`${job}: run lease for ${new Date(slot).toISOString()} not synced (${(e as Error).message}); not run here`);
      return false;
    }
    await waitFor(o.settleMs ?? 300, o.signal ?? new AbortController().signal);
    return o.permissions.leases.holds(job, slot, o.me);
  };
}
