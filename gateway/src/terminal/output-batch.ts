/**
 * The unit of terminal output on the wire: a batch of PTY bytes with its
 * position in the session's output. Sequence numbers start at 0 and have no
 * holes; `offset` is the stream position of the batch's first byte, so a
 * receiver can check that nothing was lost or doubled: each batch must start
 * where the previous one ended.
 */

export interface OutputBatch {
  /** 0, 1, 2, ... with no holes for the life of the session. */
  readonly seq: number;
  /** Byte offset of `bytes[0]` in the session's whole output. */
  readonly offset: number;
  /** Raw PTY bytes; shared between consumers, never mutated. */
  readonly bytes: Uint8Array;
}

/** Where a reader stands: the next batch it expects. */
export interface StreamPosition {
  readonly seq: number;
  readonly offset: number;
}

/** The position right after `batch`. */
export function positionAfter(batch: OutputBatch): StreamPosition {
  return { seq: batch.seq + 1, offset: batch.offset + batch.bytes.length };
}

/** True when `batch` starts exactly at `at` (no gap, no overlap). */
export function continues(at: StreamPosition, batch: OutputBatch): boolean {
  return batch.seq === at.seq && batch.offset === at.offset;
}

/** Joins byte chunks into one array (the chunk itself when there is only one). */
export function concatBytes(chunks: readonly Uint8Array[], total?: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const size = total ?? chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
