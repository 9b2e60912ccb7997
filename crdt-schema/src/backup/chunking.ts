/**
 * Content-defined chunking of one backup unit (a gear rolling hash, as in
 * FastCDC): a boundary falls where the hash of the last bytes matches a mask,
 * so an insertion in a large document moves the boundaries near it only, and
 * the chunks before and after are the same bytes as before (same ids: not
 * uploaded again). The gear table is derived from the backup key, so where
 * boundaries fall, and so the chunk sizes the relay sees, depend on a secret
 * and cannot be used to test a guess of a document's contents.
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import type { Secret } from '../crypto/secret.ts';

export interface ChunkingParams {
  /** No boundary before this many bytes. */
  readonly minBytes: number;
  /** Boundary when (hash & mask) === 0: about mask + 1 bytes apart on average. */
  readonly mask: number;
  /** A boundary at this many bytes at the latest. */
  readonly maxBytes: number;
}

/** About 256 KiB on average, 64 KiB to 1 MiB. */
export const DEFAULT_CHUNKING: ChunkingParams = { minBytes: 64 * 1024, mask: (1 << 18) - 1, maxBytes: 1024 * 1024 };

/** 256 pseudo-random 32-bit words from the backup key. */
export function gearTable(crypto: CryptoProvider, root: Secret<Uint8Array>): Uint32Array {
  const bytes = new Uint8Array(1024);
  for (let i = 0; i < 16; i++) bytes.set(crypto.kdf(root.expose(), `tendril-backup/gear/${i}`, 64), i * 64);
  return new Uint32Array(bytes.buffer);
}

/** The end offsets of the chunks of `data` (the last is data.length; one chunk for empty data). */
export function chunkBoundaries(data: Uint8Array, gear: Uint32Array, p: ChunkingParams): number[] {
  const ends: number[] = [];
  let start = 0;
  while (start < data.length) {
    const limit = Math.min(data.length, start + p.maxBytes);
    let end = limit;
    let h = 0;
    for (let i = start + Math.min(p.minBytes, limit - start); i < limit; i++) {
      h = ((h << 1) + gear[data[i]!]!) >>> 0;
      if ((h & p.mask) === 0) {
        end = i + 1;
        break;
      }
    }
    ends.push(end);
    start = end;
  }
  return ends.length > 0 ? ends : [0];
}
