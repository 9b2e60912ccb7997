/**
 * A screen snapshot: the serialized screen, modes and scrollback of a
 * session's mirror, gzip'd, with the stream position it covers. A late joiner
 * writes `snapshotBytes(s)` into a fresh terminal of `cols` x `rows`, then
 * replays batches from `coversSeq` on: nothing is lost or doubled. When the
 * covered output ends inside an escape sequence or a UTF-8 character, the
 * bytes of that unfinished part follow the serialized screen, so the
 * viewer's parser resumes exactly where the mirror's stood (vt-boundary.ts).
 *
 * This module is browser-safe (no node:zlib); `encodeSnapshot` /
 * `decodeSnapshot` give the byte form the sync layer seals:
 *   u8 version (1) | u32 cols | u32 rows | u32 scrollbackLines | f64 coversSeq
 *   | f64 coversOffset | f64 takenAt | gzip bytes (the rest)
 * all integers big-endian.
 */
import { TendrilError } from '@tendril/crdt-schema/errors';

export interface ScreenSnapshot {
  /** Every batch with a smaller seq is reflected; replay from this seq. */
  readonly coversSeq: number;
  /** Stream offset of the first byte not reflected (the offset of batch `coversSeq`). */
  readonly coversOffset: number;
  readonly cols: number;
  readonly rows: number;
  /** Lines of scrollback included (fewer than kept when the size budget cut them). */
  readonly scrollbackLines: number;
  /** gzip of the serialized screen (UTF-8), then any unfinished sequence bytes. */
  readonly gzip: Uint8Array;
  /** Clock time the snapshot was taken. */
  readonly takenAt: number;
  /**
   * The mirror fell behind a flood at some point and rebuilt its screen from the recent output
   * (screen-mirror.ts): the screen is the current one, but modes set before that output are lost.
   * Known on the gateway only; not part of the byte form.
   */
  readonly rebuilt?: boolean;
}

const VERSION = 1;
const HEADER = 1 + 4 + 4 + 4 + 8 + 8 + 8;

export function encodeSnapshot(s: ScreenSnapshot): Uint8Array {
  const out = new Uint8Array(HEADER + s.gzip.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, VERSION);
  view.setUint32(1, s.cols);
  view.setUint32(5, s.rows);
  view.setUint32(9, s.scrollbackLines);
  view.setFloat64(13, s.coversSeq);
  view.setFloat64(21, s.coversOffset);
  view.setFloat64(29, s.takenAt);
  out.set(s.gzip, HEADER);
  return out;
}

export function decodeSnapshot(bytes: Uint8Array): ScreenSnapshot {
  if (bytes.length <= HEADER) throw new TendrilError('E_BAD_INPUT', 'a screen snapshot is too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint8(0) !== VERSION) throw new TendrilError('E_BAD_INPUT', `unknown screen snapshot version ${view.getUint8(0)}`);
  const s: ScreenSnapshot = {
    cols: view.getUint32(1),
    rows: view.getUint32(5),
    scrollbackLines: view.getUint32(9),
    coversSeq: view.getFloat64(13),
    coversOffset: view.getFloat64(21),
    takenAt: view.getFloat64(29),
    gzip: bytes.slice(HEADER),
  };
  const counts = [s.cols, s.rows, s.coversSeq, s.coversOffset];
  if (counts.some((n) => !Number.isSafeInteger(n) || n < 0) || !Number.isFinite(s.takenAt)) {
    throw new TendrilError('E_BAD_INPUT', 'a screen snapshot header is out of range');
  }
  return s;
}
