import { describe, expect, it } from 'vitest';
import { loadCrypto } from '../crypto/load.ts';
import { utf8 } from '../crypto/bytes.ts';
import type { DeviceId, WorkspaceId } from '../ids.ts';
import { deriveBackupKeys } from './backup-key.ts';
import { memoryBackupBlobs } from './memory-blobs.ts';
import { readBackupUnits, requireRestorePoints } from './read-backup.ts';
import { generateRecoveryPhrase } from './recovery-phrase.ts';
import { writeBackup } from './write-backup.ts';

const crypto = await loadCrypto({ ed25519: 'sodium' });
const cheap = { params: { opsLimit: 1, memLimit: 8192 } };
const workspace = 'wsAAAAAAAAAAAAAAAAAAAA' as WorkspaceId;
const device = 'devAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' as DeviceId;

/** Ten "documents" of a few chunks each (small chunks so the split is exercised). */
function workspaceUnits(changed: number | null): Uint8Array[] {
  return Array.from({ length: 10 }, (_, d) => utf8(`doc ${d}: ${Array.from({ length: 40 }, (_, m) => `message ${d}.${m}`).join(' ')}${d === changed ? ' edited' : ''}`));
}

async function setup() {
  const phrase = generateRecoveryPhrase(crypto);
  const keys = await deriveBackupKeys(crypto, phrase, workspace, cheap);
  let t = 1_700_000_000_000;
  const blobs = memoryBackupBlobs(crypto, () => t);
  const write = (units: Uint8Array[]) => writeBackup(crypto, blobs, keys, { workspace, device, deviceName: 'laptop', now: (t += 60_000), units, chunking: { minBytes: 32, mask: 63, maxBytes: 256 } });
  return { phrase, keys, blobs, write };
}

describe('incremental encrypted backups', () => {
  it('uploads only the chunks of the one changed document the second time, and both restore points read back', async () => {
    const { keys, blobs, write } = await setup();
    const first = await write(workspaceUnits(null));
    const chunkIds = (r: typeof first) => new Set(r.manifest.units.flatMap((u) => u.chunks));
    expect(first.manifest.units.every((u) => u.chunks.length > 1)).toBe(true);
    expect(first.uploaded).toBe(chunkIds(first).size);
    expect(first.reused).toBe(0);

    const chunkPutsBefore = blobs.puts.filter((p) => p.kind === 'backup-chunk').length;
    const second = await write(workspaceUnits(3));
    const chunkPuts = blobs.puts.filter((p) => p.kind === 'backup-chunk').length - chunkPutsBefore;
    // Only the edited document's tail changed: its last chunk (or two, if the new bytes add a boundary); every
    // other document's chunks are the same ids as before and were not sent again.
    expect(second.uploaded).toBeGreaterThanOrEqual(1);
    expect(second.uploaded).toBeLessThanOrEqual(2);
    expect(chunkPuts).toBe(second.uploaded);
    second.manifest.units.forEach((u, i) => {
      if (i !== 3) expect(u.chunks).toEqual(first.manifest.units[i]!.chunks);
    });
    expect(second.reused).toBe(chunkIds(second).size - second.uploaded);

    const unchanged = await write(workspaceUnits(3));
    expect(unchanged.uploaded).toBe(0);

    const points = await requireRestorePoints(crypto, blobs, keys, workspace);
    expect(points.map((p) => p.id)).toEqual([unchanged.manifestId, second.manifestId, first.manifestId]);
    expect(await readBackupUnits(crypto, blobs, keys, points[2]!)).toEqual(workspaceUnits(null));
    expect(await readBackupUnits(crypto, blobs, keys, points[1]!)).toEqual(workspaceUnits(3));
    expect(points[0]!.manifest).toMatchObject({ device, deviceName: 'laptop', size: workspaceUnits(3).reduce((s, u) => s + u.length, 0) });
  });

  it('refuses a wrong phrase with E_PASSPHRASE and a clear message', async () => {
    const { blobs, write } = await setup();
    await write(workspaceUnits(null));
    const wrong = await deriveBackupKeys(crypto, generateRecoveryPhrase(crypto), workspace, cheap);
    await expect(requireRestorePoints(crypto, blobs, wrong, workspace)).rejects.toThrow(/recovery phrase does not open any backup/);
    await expect(requireRestorePoints(crypto, blobs, wrong, workspace)).rejects.toMatchObject({ code: 'E_PASSPHRASE' });
  });

  it('does not open a manifest under another workspace id', async () => {
    const { keys, blobs, write } = await setup();
    await write(workspaceUnits(null));
    await expect(requireRestorePoints(crypto, blobs, keys, 'wsBBBBBBBBBBBBBBBBBBBB' as WorkspaceId)).rejects.toMatchObject({ code: 'E_PASSPHRASE' });
  });

  it('detects a corrupted, swapped or missing chunk before anything is returned', async () => {
    const { keys, blobs, write } = await setup();
    const r = await write(workspaceUnits(null));
    const [point] = await requireRestorePoints(crypto, blobs, keys, workspace);
    const [a, b] = r.manifest.units[0]!.chunks;
    const entryA = blobs.stored.get(a!)!;
    const original = entryA.data;

    // A flipped bit: the relay serves altered bytes under the same address.
    const flipped = original.slice();
    flipped[flipped.length - 1]! ^= 1;
    entryA.data = flipped;
    await expect(readBackupUnits(crypto, blobs, keys, point!)).rejects.toMatchObject({ code: 'E_BACKUP_CORRUPT' });

    // Another valid chunk served in its place.
    entryA.data = blobs.stored.get(b!)!.data;
    await expect(readBackupUnits(crypto, blobs, keys, point!)).rejects.toMatchObject({ code: 'E_BACKUP_CORRUPT' });

    // Gone.
    blobs.stored.delete(a!);
    await expect(readBackupUnits(crypto, blobs, keys, point!)).rejects.toThrow(/no longer holds chunk/);
  });

  it('catches a chunk that authenticates but whose plaintext disagrees with the manifest checksum', async () => {
    const { keys, blobs, write } = await setup();
    const r = await write(workspaceUnits(null));
    const [point] = await requireRestorePoints(crypto, blobs, keys, workspace);
    // A manifest whose units point at the right chunks, but in a different order: every chunk opens, the checksum does not match.
    const units = [...r.manifest.units];
    [units[0], units[1]] = [units[1]!, units[0]!];
    await expect(readBackupUnits(crypto, blobs, keys, { ...point!, manifest: { ...point!.manifest, units } })).rejects.toThrow(/checksum/);
  });

  it('leaves no plaintext in what it stores', async () => {
    const { blobs, write } = await setup();
    await write([utf8('canary-7d1f3a the secret chat line')]);
    const needle = 'canary-7d1f3a';
    for (const { data } of blobs.stored.values()) expect(Buffer.from(data).toString('latin1')).not.toContain(needle);
  });
});
