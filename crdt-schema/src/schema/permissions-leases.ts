/**
 * Run leases: which worker runs a scheduled job (a plugin's cron run, a
 * playbook's) at a given scheduled time, so that with several workers online
 * each time runs once, not once per worker. Kept in the permissions document
 * (workers write it, and it is encrypted like the rest) as one record per job:
 * the latest scheduled time (`slot`) claimed, by whom, and until when.
 *
 * Every worker whose schedule fires claims the slot; concurrent claims
 * resolve to one record on every peer (last writer wins on the job's key),
 * so a worker runs only when, after its claim reached the relay and a settle
 * window passed, the record still names it for that slot (as turns are
 * claimed: chat-claims.ts). A claim is refused once the record holds this
 * slot or a later one, by anyone: a slot is never run twice, even by a worker
 * whose clock fires late. A lease that lapses without the run finishing does
 * not hand the slot to another worker (a missed run is not replayed, like
 * the scheduler's missed times).
 */
import type * as Y from 'yjs';
import type { DeviceId } from '../ids.ts';
import { checkInt, checkText, readRecord } from './fields.ts';
import { PERMISSIONS } from './keys.ts';
import type { Writer } from './writer.ts';

export interface RunLease {
  readonly job: string;
  /** The scheduled time this lease is for (ms since the epoch). */
  readonly slot: number;
  readonly worker: DeviceId;
  readonly leaseUntil: number;
}

export function leasesSection(doc: Y.Doc, w: Writer) {
  const leases = doc.getMap<unknown>(PERMISSIONS.runLeases);
  const get = (job: string): RunLease | undefined => {
    const r = readRecord(leases, job);
    if (r === undefined || typeof r.worker !== 'string' || typeof r.slot !== 'number' || !Number.isFinite(r.slot) || typeof r.leaseUntil !== 'number') return undefined;
    return { job, slot: r.slot, worker: r.worker as DeviceId, leaseUntil: r.leaseUntil };
  };
  return {
    get,
    /** Claims `slot` of `job` for `worker`, unless this slot or a later one is claimed already. Re-check with holds() after syncing. */
    claim(job: string, slot: number, worker: DeviceId, leaseMs: number): boolean {
      checkText(job, 'job', 200);
      checkInt(slot, 'slot', 0);
      checkInt(leaseMs, 'leaseMs', 1, 24 * 3600_000);
      const current = get(job);
      if (current !== undefined && current.slot >= slot) return false;
      const now = w.now();
      w.write(() => leases.set(job, { slot, worker, leaseUntil: now + leaseMs }));
      return true;
    },
    /** True when the record names `worker` for exactly this slot (as far as this peer knows). */
    holds(job: string, slot: number, worker: DeviceId): boolean {
      const c = get(job);
      return c !== undefined && c.slot === slot && c.worker === worker;
    },
  };
}
