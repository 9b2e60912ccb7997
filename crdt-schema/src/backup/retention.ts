/**
 * Which restore points to keep: the newest {@link KEEP_LATEST} (so a manual
 * backup never replaces the one made earlier the same day), the newest of each of the
 * last `daily` days that have a backup, and the newest of each of the last
 * `weekly` weeks (Monday-based, UTC) that have one. Pruning then deletes the
 * other manifests first and only after that the chunks no remaining manifest
 * references, so a crash in between leaves unreferenced chunks (collected
 * next time), never a manifest pointing at a deleted chunk.
 */
import type { BackupBlobs } from './backup-blobs.ts';
import type { RestorePoints } from './read-backup.ts';

export interface RetentionPolicy {
  readonly daily: number;
  readonly weekly: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { daily: 7, weekly: 4 };

/** The newest restore points kept whatever their day. */
export const KEEP_LATEST = 3;

/** Chunks younger than this are never collected: a backup being written may not have its manifest yet. */
export const CHUNK_GRACE_MS = 6 * 60 * 60 * 1000;

const DAY = 24 * 60 * 60 * 1000;

function dayOf(t: number): number {
  return Math.floor(t / DAY);
}

/** Days since the epoch of the Monday starting t's week (1970-01-01 was a Thursday). */
function weekOf(t: number): number {
  return Math.floor((dayOf(t) + 3) / 7);
}

/** Ids to keep, from points given newest first. */
export function pointsToKeep(points: readonly { id: string; manifest: { createdAt: number } }[], policy: RetentionPolicy): Set<string> {
  const keep = new Set<string>();
  for (const p of points.slice(0, KEEP_LATEST)) keep.add(p.id);
  for (const [bucket, limit] of [[dayOf, policy.daily], [weekOf, policy.weekly]] as const) {
    const seen = new Set<number>();
    for (const p of points) {
      const b = bucket(p.manifest.createdAt);
      if (seen.has(b)) continue;
      if (seen.size >= limit) break;
      seen.add(b);
      keep.add(p.id);
    }
  }
  return keep;
}

export interface PruneResult {
  readonly manifestsDeleted: number;
  readonly chunksDeleted: number;
  /** True when unreadable manifests (another phrase) made chunk collection unsafe, so it was skipped. */
  readonly chunksKept: boolean;
}

/**
 * Deletes the manifests in `drop`, then every chunk older than the grace period that no remaining readable
 * manifest references. Chunks are left alone while manifests this key cannot read exist: their chunk lists are unknown.
 */
export async function pruneRestorePoints(blobs: BackupBlobs, listed: RestorePoints, drop: ReadonlySet<string>, now: number): Promise<PruneResult> {
  const remaining = listed.points.filter((p) => !drop.has(p.id));
  const toDrop = listed.points.filter((p) => drop.has(p.id)).map((p) => p.id);
  if (toDrop.length > 0) await blobs.delete(toDrop);
  if (listed.unreadable.length > 0) return { manifestsDeleted: toDrop.length, chunksDeleted: 0, chunksKept: true };
  const referenced = new Set(remaining.flatMap((p) => p.manifest.units.flatMap((u) => u.chunks)));
  const orphans = (await blobs.list('backup-chunk')).filter((c) => !referenced.has(c.id) && (c.storedAt === undefined || now - c.storedAt >= CHUNK_GRACE_MS)).map((c) => c.id);
  if (orphans.length > 0) await blobs.delete(orphans);
  return { manifestsDeleted: toDrop.length, chunksDeleted: orphans.length, chunksKept: false };
}

/** Applies the policy: keeps {@link pointsToKeep}, prunes the rest. */
export async function applyRetention(blobs: BackupBlobs, listed: RestorePoints, policy: RetentionPolicy, now: number): Promise<PruneResult> {
  const keep = pointsToKeep(listed.points, policy);
  return pruneRestorePoints(blobs, listed, new Set(listed.points.filter((p) => !keep.has(p.id)).map((p) => p.id)), now);
}
