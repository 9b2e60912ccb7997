import { describe, expect, it } from 'vitest';
import { loadCrypto } from '../crypto/load.ts';
import { secret } from '../crypto/secret.ts';
import type { DeviceId, WorkspaceId } from '../ids.ts';
import { createPrng } from '../testkit/prng.ts';
import { backupKeysFrom } from './backup-key.ts';
import { chunkBoundaries, gearTable } from './chunking.ts';
import { memoryBackupBlobs } from './memory-blobs.ts';
import { writeBackup } from './write-backup.ts';

const crypto = await loadCrypto({ ed25519: 'sodium' });
const small = { minBytes: 256, mask: 1023, maxBytes: 4096 };

function text(seed: number, n: number): Uint8Array {
  const r = createPrng(seed);
  return Uint8Array.from({ length: n }, () => r.int(32, 121));
}

describe('content-defined chunking', () => {
  it('cuts within the bounds, covers the data, and depends on the key', () => {
    const data = text(1, 200_000);
    const gear = gearTable(crypto, secret(crypto.randomBytes(32)));
    const ends = chunkBoundaries(data, gear, small);
    expect(ends.at(-1)).toBe(data.length);
    ends.forEach((e, i) => {
      const size = e - (i === 0 ? 0 : ends[i - 1]!);
      expect(size).toBeLessThanOrEqual(small.maxBytes);
      if (i < ends.length - 1) expect(size).toBeGreaterThanOrEqual(small.minBytes);
    });
    const other = chunkBoundaries(data, gearTable(crypto, secret(crypto.randomBytes(32))), small);
    expect(other).not.toEqual(ends);
    expect(chunkBoundaries(new Uint8Array(0), gear, small)).toEqual([0]);
  });

  it('uploads only the chunks around an insertion in the middle of a large document', async () => {
    // A fixed key and fixed data: where boundaries fall is then fixed too, so the count below is exact, not luck.
    const keys = backupKeysFrom(crypto, secret(createPrng(7).bytes(32)));
    const blobs = memoryBackupBlobs(crypto);
    const before = text(2, 200_000);
    const after = new Uint8Array(before.length + 20);
    after.set(before.subarray(0, 100_000));
    after.set(new TextEncoder().encode('a message, inserted!'), 100_000);
    after.set(before.subarray(100_000), 100_020);
    const input = { workspace: 'w'.repeat(22) as WorkspaceId, device: 'd' as DeviceId, deviceName: 'd', now: 1, chunking: small };
    const first = await writeBackup(crypto, blobs, keys, { ...input, units: [before] });
    expect(first.uploaded).toBeGreaterThan(50);
    const second = await writeBackup(crypto, blobs, keys, { ...input, now: 2, units: [after] });
    // Fixed-size pieces would all shift after the insertion (about half of them new); here one or two change.
    expect(second.uploaded).toBeGreaterThanOrEqual(1);
    expect(second.uploaded).toBeLessThanOrEqual(2);
  });
});
