/**
 * The automatic backup decision, one tick at a time: when automatic backups
 * are on and this device holds the backup key, it takes the lease in the
 * synced settings if it is free (or expired), and writes only while the
 * lease names it, when a backup is due (backup/schedule.ts): daily, or
 * sooner after large changes. A device whose take lost to another device's
 * (the CRDT keeps one) sees the other's name on its next read and stays
 * quiet. Clock, settings, key and writer are injected; the tab's timer calls
 * tick() (backup.svelte.ts).
 */
import { backupDue, LEASE_MS, leaseDecision, type BackupSchedule } from '@tendril/crdt-schema/backup';
import type { DeviceId } from '@tendril/crdt-schema/ids';
import type { BackupPolicy, StoredBackupLease } from '@tendril/crdt-schema/schema';

export interface SchedulerDeps {
  readonly me: DeviceId;
  readonly now: () => number;
  readonly schedule: BackupSchedule;
  /** The synced policy and lease, or null while the settings are not open. */
  readonly settings: () => { policy: BackupPolicy; lease: StoredBackupLease | null; setLease(l: StoredBackupLease): void } | null;
  /** When this device's last backup was, or undefined when it holds no backup key. */
  readonly lastBackupAt: () => Promise<number | null | undefined>;
  /** Bytes changed in the workspace since the last backup. */
  readonly changedBytes: () => number;
  /** Waits until the lease write has reached the relay and come back merged (or the timeout). */
  readonly settle: () => Promise<void>;
  readonly backUp: () => Promise<void>;
}

export type TickOutcome = 'off' | 'no-key' | 'other-device' | 'not-due' | 'backed-up';

export async function schedulerTick(d: SchedulerDeps): Promise<TickOutcome> {
  const s = d.settings();
  if (!s || !s.policy.auto) return 'off';
  const last = await d.lastBackupAt();
  if (last === undefined) return 'no-key';
  let decision = leaseDecision(s.lease, d.me, d.now());
  if (decision === 'other') return 'other-device';
  if (decision === 'take' || (s.lease && s.lease.until - d.now() < LEASE_MS / 2)) {
    s.setLease({ device: d.me, until: d.now() + LEASE_MS });
    await d.settle();
    decision = leaseDecision(d.settings()?.lease ?? null, d.me, d.now());
    if (decision !== 'mine') return 'other-device';
  }
  if (!backupDue(d.schedule, last, d.changedBytes(), d.now())) return 'not-due';
  await d.backUp();
  return 'backed-up';
}
