import { describe, expect, it } from 'vitest';
import { loadCrypto } from '../crypto/load.ts';
import { utf8 } from '../crypto/bytes.ts';
import type { DeviceId, WorkspaceId } from '../ids.ts';
import { deriveBackupKeys } from './backup-key.ts';
import { memoryBackupBlobs } from './memory-blobs.ts';
import { listRestorePoints, readBackupUnits } from './read-backup.ts';
import { applyRetention, CHUNK_GRACE_MS, pointsToKeep } from './retention.ts';
import { writeBackup } from './write-backup.ts';

const crypto = await loadCrypto({ ed25519: 'sodium' });
const cheap = { params: { opsLimit: 1, memLimit: 8192 } };
const workspace = 'wsAAAAAAAAAAAAAAAAAAAA' as WorkspaceId;
const device = 'devAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' as DeviceId;
const DAY = 86_400_000;
// 2026-01-05 is a Monday.
const MONDAY = Date.UTC(2026, 0, 5, 12);

const point = (id: string, createdAt: number) => ({ id, manifest: { createdAt } });

describe('retention', () => {
  it('keeps the newest of each of the last N days and M weeks', () => {
    // Two backups a day for 30 days, newest first.
    const points = Array.from({ length: 60 }, (_, i) => point(`p${i}`, MONDAY + 29 * DAY - i * (DAY / 2)));
    // Always p0..p2 (the newest three). Days: p0 (day 29), p2 (day 28), p4 (day 27).
    const keep = pointsToKeep(points, { daily: 3, weekly: 2 });
    // MONDAY+28 is a Monday, so week 5 = days 28..29 (p0), week 4 = days 21..27 -> newest is day 27 (p4).
    expect([...keep].sort()).toEqual(['p0', 'p1', 'p2', 'p4'].sort());
    const keepMoreWeeks = pointsToKeep(points, { daily: 1, weekly: 4 });
    // Weeks 5, 4, 3, 2: newest points on days 29, 27, 20, 13.
    expect([...keepMoreWeeks].sort()).toEqual(['p0', 'p1', 'p2', 'p4', 'p18', 'p32'].sort());
    expect(pointsToKeep(points, { daily: 0, weekly: 0 })).toEqual(new Set(['p0', 'p1', 'p2']));
  });

  it('deletes dropped manifests, then only the chunks no kept manifest needs, and what is kept still restores', async () => {
    const keys = await deriveBackupKeys(crypto, 'abandon ability able about above absent absorb abstract absurd abuse access accident', workspace, cheap);
    let t = MONDAY;
    const blobs = memoryBackupBlobs(crypto, () => t);
    const unitsOn = (day: number) => [utf8('settings that never change'), utf8(`chat as of day ${day}`)];
    for (let day = 0; day < 5; day++) {
      t = MONDAY + day * DAY;
      await writeBackup(crypto, blobs, keys, { workspace, device, deviceName: 'laptop', now: t, units: unitsOn(day) });
    }
    t = MONDAY + 5 * DAY + CHUNK_GRACE_MS;
    const listed = await listRestorePoints(crypto, blobs, keys, workspace);
    const result = await applyRetention(blobs, listed, { daily: 2, weekly: 0 }, t);
    // Kept: the newest three (days 4, 3, 2); days 1 and 0 go.
    expect(result).toEqual({ manifestsDeleted: 2, chunksDeleted: 2, chunksKept: false });
    const after = await listRestorePoints(crypto, blobs, keys, workspace);
    expect(after.points.map((p) => p.manifest.createdAt)).toEqual([MONDAY + 4 * DAY, MONDAY + 3 * DAY, MONDAY + 2 * DAY]);
    expect(await readBackupUnits(crypto, blobs, keys, after.points[2]!)).toEqual(unitsOn(2));
    // The shared settings chunk survived; 1 shared + 3 chat chunks remain.
    expect((await blobs.list('backup-chunk')).length).toBe(4);
  });

  it('spares fresh chunks (a backup in progress) and all chunks while manifests of another phrase exist', async () => {
    const keys = await deriveBackupKeys(crypto, 'abandon ability able about above absent absorb abstract absurd abuse access accident', workspace, cheap);
    const other = await deriveBackupKeys(crypto, 'zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong', workspace, cheap);
    let t = MONDAY;
    const blobs = memoryBackupBlobs(crypto, () => t);
    for (const [i, text] of ['old', 'mid', 'newer', 'new'].entries()) {
      if (i > 0) t += DAY;
      await writeBackup(crypto, blobs, keys, { workspace, device, deviceName: 'a', now: t, units: [utf8(text)] });
    }
    // A chunk uploaded just now, its manifest not yet written.
    await blobs.put('backup-chunk', crypto.randomBytes(64));
    const listed = await listRestorePoints(crypto, blobs, keys, workspace);
    expect(await applyRetention(blobs, listed, { daily: 1, weekly: 0 }, t + 60_000)).toEqual({ manifestsDeleted: 1, chunksDeleted: 1, chunksKept: false });
    // The oldest backup's chunk went; the three kept and the fresh orphan stayed.
    expect((await blobs.list('backup-chunk')).length).toBe(4);

    await writeBackup(crypto, blobs, other, { workspace, device, deviceName: 'a', now: t, units: [utf8('under another phrase')] });
    const mixed = await listRestorePoints(crypto, blobs, keys, workspace);
    expect(mixed.unreadable).toHaveLength(1);
    expect(await applyRetention(blobs, mixed, { daily: 1, weekly: 0 }, t + 2 * CHUNK_GRACE_MS)).toEqual({ manifestsDeleted: 0, chunksDeleted: 0, chunksKept: true });
  });
});
