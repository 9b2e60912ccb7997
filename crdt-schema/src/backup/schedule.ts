/**
 * When a device writes an automatic backup, and which device. A backup is
 * due when the interval (daily by default) has passed since the last one,
 * or sooner after a large change (many bytes written since). Only the
 * device holding the backup lease writes: the lease is a record in a
 * workspace document (device, until); a device takes it when it is free or
 * expired and renews it while it keeps writing, so two devices of the owner
 * do not both upload. Concurrent takes resolve through the CRDT to one
 * winner, and each device reads the merged record back before writing.
 */
import type { DeviceId } from '../ids.ts';

export interface BackupSchedule {
  /** Between automatic backups. */
  readonly intervalMs: number;
  /** Bytes of changes since the last backup that trigger one early. */
  readonly bigChangeBytes: number;
  /** Earliest gap between two backups, even after big changes. */
  readonly minGapMs: number;
}

export const DEFAULT_SCHEDULE: BackupSchedule = { intervalMs: 24 * 60 * 60 * 1000, bigChangeBytes: 256 * 1024, minGapMs: 10 * 60 * 1000 };

export interface BackupLease {
  readonly device: DeviceId;
  readonly until: number;
}

/** How long a lease lasts without renewal: past it, another device takes over. */
export const LEASE_MS = 2 * 24 * 60 * 60 * 1000;

export type LeaseDecision = 'mine' | 'take' | 'other';

export function leaseDecision(lease: BackupLease | null, me: DeviceId, now: number): LeaseDecision {
  if (lease?.device === me) return 'mine';
  if (lease === null || lease.until <= now) return 'take';
  return 'other';
}

/** Whether a backup is due, given the last one's time (null: never) and the bytes changed since. */
export function backupDue(s: BackupSchedule, lastAt: number | null, changedBytes: number, now: number): boolean {
  if (lastAt === null) return true;
  const since = now - lastAt;
  if (since >= s.intervalMs) return true;
  return since >= s.minGapMs && changedBytes >= s.bigChangeBytes;
}
