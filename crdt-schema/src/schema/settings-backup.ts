/**
 * Automatic backups in the settings document: whether they run, how many
 * daily and weekly restore points the relay keeps, and the lease naming the
 * one device that writes them (backup/schedule.ts). Nothing here is secret:
 * the backup key stays on the devices the recovery phrase was given to.
 * A stored value that does not read as a policy reads as the defaults; a
 * lease that does not read as one reads as free.
 */
import type { DeviceId } from '../ids.ts';
import { badInput, isRecord } from './fields.ts';

export interface BackupPolicy {
  /** Automatic backups run (on the devices that hold the backup key). */
  readonly auto: boolean;
  /** Days with a backup whose newest restore point is kept. */
  readonly daily: number;
  /** Weeks with a backup whose newest restore point is kept. */
  readonly weekly: number;
}

export const DEFAULT_BACKUP_POLICY: BackupPolicy = { auto: true, daily: 7, weekly: 4 };
export const MAX_KEPT = 365;

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_KEPT;

export function readBackupPolicy(v: unknown): BackupPolicy {
  const r = isRecord(v) ? v : {};
  return {
    auto: typeof r.auto === 'boolean' ? r.auto : DEFAULT_BACKUP_POLICY.auto,
    daily: isCount(r.daily) ? r.daily : DEFAULT_BACKUP_POLICY.daily,
    weekly: isCount(r.weekly) ? r.weekly : DEFAULT_BACKUP_POLICY.weekly,
  };
}

export function checkBackupPolicy(patch: Partial<BackupPolicy>, current: BackupPolicy): BackupPolicy {
  if (patch.auto !== undefined && typeof patch.auto !== 'boolean') badInput('auto is true or false');
  for (const k of ['daily', 'weekly'] as const) if (patch[k] !== undefined && !isCount(patch[k])) badInput(`${k} is a whole number of restore points from 0 to ${MAX_KEPT}`);
  return { ...current, ...patch };
}

export interface StoredBackupLease {
  readonly device: DeviceId;
  readonly until: number;
}

export function readBackupLease(v: unknown): StoredBackupLease | null {
  if (!isRecord(v) || typeof v.device !== 'string' || typeof v.until !== 'number' || !Number.isFinite(v.until)) return null;
  return { device: v.device as DeviceId, until: v.until };
}
