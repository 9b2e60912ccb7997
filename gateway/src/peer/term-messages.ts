/**
 * What travels inside a terminal session's Stream frames (sealed by the
 * sync layer with the session document's key): output batches and size
 * changes from the gateway, signed input and viewport sizes from devices, and
 * the join handshake (a viewer asks to resume from an output seq; the gateway
 * answers with the batches since, or with a snapshot to restore first).
 *
 * Layout: u8 tag, then the fields as lib0 varUints / varUint8Arrays.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { concatBytes } from '../terminal/output-batch.ts';

export const TermTag = {
  Output: 1, Input: 2, Join: 3, Snapshot: 4, Viewport: 5, Size: 6, Ended: 7, Live: 8,
  FileOffer: 9, FileAccept: 10, FileChunk: 11, FileAck: 12, FileDone: 13, FileCancel: 14,
  OutputRun: 15, InputState: 16, InputRefused: 17,
} as const;

export type TermMessage =
  | { readonly t: typeof TermTag.Output; readonly seq: number; readonly offset: number; readonly bytes: Uint8Array }
  | { readonly t: typeof TermTag.Input; readonly counter: number; readonly data: Uint8Array; readonly signature: Uint8Array }
  /** `fromSeq` 0 with `fresh` asks for a snapshot first. */
  | { readonly t: typeof TermTag.Join; readonly fromSeq: number; readonly fresh: boolean }
  | { readonly t: typeof TermTag.Snapshot; readonly snapshot: Uint8Array }
  | { readonly t: typeof TermTag.Viewport; readonly cols: number; readonly rows: number }
  | { readonly t: typeof TermTag.Size; readonly cols: number; readonly rows: number; readonly atSeq: number }
  | { readonly t: typeof TermTag.Ended; readonly exitCode: number }
  /** Closes the gateway's answer to a Join: the viewer has everything up to (not including) `seq`. */
  | { readonly t: typeof TermTag.Live; readonly seq: number }
  /** File transfers (file-messages in file-service.ts / file-transfers.ts): a signed request opens one. */
  | { readonly t: typeof TermTag.FileOffer; readonly id: number; readonly request: Uint8Array }
  | { readonly t: typeof TermTag.FileAccept; readonly id: number; readonly size: number }
  | { readonly t: typeof TermTag.FileChunk; readonly id: number; readonly index: number; readonly bytes: Uint8Array }
  /** The receiver has every chunk before `next`. */
  | { readonly t: typeof TermTag.FileAck; readonly id: number; readonly next: number }
  /** The gateway's last word: `ok` with the file's size and SHA-256 signed by the gateway, or the error. */
  | { readonly t: typeof TermTag.FileDone; readonly id: number; readonly ok: boolean; readonly message: string; readonly size: number; readonly sha256: Uint8Array; readonly signature: Uint8Array }
  | { readonly t: typeof TermTag.FileCancel; readonly id: number; readonly reason: string }
  /** `count` consecutive output batches from `seq` merged into one frame (stream-pacer.ts). */
  | { readonly t: typeof TermTag.OutputRun; readonly seq: number; readonly count: number; readonly offset: number; readonly bytes: Uint8Array }
  /** To a joining device, before Live: the last input counter the gateway accepted from it (0: none); it types above it. */
  | { readonly t: typeof TermTag.InputState; readonly counter: number }
  /** To the sender of a dropped input frame: its counter, why (input-gate.ts DropReason), and the last counter accepted from it. */
  | { readonly t: typeof TermTag.InputRefused; readonly counter: number; readonly reason: string; readonly last: number };

/**
 * An Output message (no `count`) or an OutputRun whose bytes come in `parts`, as its encoded head
 * followed by the parts themselves: their concatenation is encodeTerm's bytes for the joined message.
 * A sender that seals the parts straight into its frame (DocSync.sendStream) copies a flood's bytes once.
 */
export function outputParts(at: { readonly seq: number; readonly offset: number; readonly count?: number }, parts: readonly Uint8Array[]): Uint8Array[] {
  let length = 0;
  for (const p of parts) length += p.length;
  const e = encoding.createEncoder();
  encoding.writeUint8(e, at.count === undefined ? TermTag.Output : TermTag.OutputRun);
  encoding.writeVarUint(e, at.seq);
  if (at.count !== undefined) encoding.writeVarUint(e, at.count);
  encoding.writeVarUint(e, at.offset);
  encoding.writeVarUint(e, length);
  return [encoding.toUint8Array(e), ...parts];
}

/** {@link outputParts} joined: one allocation and one copy of the bytes (lib0's encoder would copy them twice). */
export function encodeOutput(at: { readonly seq: number; readonly offset: number; readonly count?: number }, parts: readonly Uint8Array[]): Uint8Array {
  const all = outputParts(at, parts);
  let length = 0;
  for (const p of all) length += p.length;
  return concatBytes(all, length);
}

export function encodeTerm(m: TermMessage): Uint8Array {
  if (m.t === TermTag.Output || m.t === TermTag.OutputRun) return encodeOutput(m, [m.bytes]);
  const e = encoding.createEncoder();
  encoding.writeUint8(e, m.t);
  switch (m.t) {
    case TermTag.Input:
      encoding.writeVarUint(e, m.counter);
      encoding.writeVarUint8Array(e, m.data);
      encoding.writeVarUint8Array(e, m.signature);
      break;
    case TermTag.Join:
      encoding.writeVarUint(e, m.fromSeq);
      encoding.writeUint8(e, m.fresh ? 1 : 0);
      break;
    case TermTag.Snapshot:
      encoding.writeVarUint8Array(e, m.snapshot);
      break;
    case TermTag.Viewport:
      encoding.writeVarUint(e, m.cols);
      encoding.writeVarUint(e, m.rows);
      break;
    case TermTag.Size:
      encoding.writeVarUint(e, m.cols);
      encoding.writeVarUint(e, m.rows);
      encoding.writeVarUint(e, m.atSeq);
      break;
    case TermTag.Ended:
      encoding.writeVarInt(e, m.exitCode);
      break;
    case TermTag.Live:
      encoding.writeVarUint(e, m.seq);
      break;
    case TermTag.FileOffer:
      encoding.writeVarUint(e, m.id);
      encoding.writeVarUint8Array(e, m.request);
      break;
    case TermTag.FileAccept:
      encoding.writeVarUint(e, m.id);
      encoding.writeVarUint(e, m.size);
      break;
    case TermTag.FileChunk:
      encoding.writeVarUint(e, m.id);
      encoding.writeVarUint(e, m.index);
      encoding.writeVarUint8Array(e, m.bytes);
      break;
    case TermTag.FileAck:
      encoding.writeVarUint(e, m.id);
      encoding.writeVarUint(e, m.next);
      break;
    case TermTag.FileDone:
      encoding.writeVarUint(e, m.id);
      encoding.writeUint8(e, m.ok ? 1 : 0);
      encoding.writeVarString(e, m.message);
      encoding.writeVarUint(e, m.size);
      encoding.writeVarUint8Array(e, m.sha256);
      encoding.writeVarUint8Array(e, m.signature);
      break;
    case TermTag.FileCancel:
      encoding.writeVarUint(e, m.id);
      encoding.writeVarString(e, m.reason);
      break;
    case TermTag.InputState:
      encoding.writeVarUint(e, m.counter);
      break;
    case TermTag.InputRefused:
      encoding.writeVarUint(e, m.counter);
      encoding.writeVarString(e, m.reason);
      encoding.writeVarUint(e, m.last);
      break;
  }
  return encoding.toUint8Array(e);
}

/** The message, or null for anything that does not decode exactly (it is dropped and counted by the caller). */
export function decodeTerm(bytes: Uint8Array): TermMessage | null {
  try {
    const d = decoding.createDecoder(bytes);
    const t = decoding.readUint8(d);
    let m: TermMessage;
    switch (t) {
      case TermTag.Output:
        m = { t, seq: decoding.readVarUint(d), offset: decoding.readVarUint(d), bytes: decoding.readVarUint8Array(d) };
        break;
      case TermTag.Input:
        m = { t, counter: decoding.readVarUint(d), data: decoding.readVarUint8Array(d), signature: decoding.readVarUint8Array(d) };
        break;
      case TermTag.Join:
        m = { t, fromSeq: decoding.readVarUint(d), fresh: decoding.readUint8(d) === 1 };
        break;
      case TermTag.Snapshot:
        m = { t, snapshot: decoding.readVarUint8Array(d) };
        break;
      case TermTag.Viewport:
        m = { t, cols: decoding.readVarUint(d), rows: decoding.readVarUint(d) };
        break;
      case TermTag.Size:
        m = { t, cols: decoding.readVarUint(d), rows: decoding.readVarUint(d), atSeq: decoding.readVarUint(d) };
        break;
      case TermTag.Ended:
        m = { t, exitCode: decoding.readVarInt(d) };
        break;
      case TermTag.Live:
        m = { t, seq: decoding.readVarUint(d) };
        break;
      case TermTag.FileOffer:
        m = { t, id: decoding.readVarUint(d), request: decoding.readVarUint8Array(d) };
        break;
      case TermTag.FileAccept:
        m = { t, id: decoding.readVarUint(d), size: decoding.readVarUint(d) };
        break;
      case TermTag.FileChunk:
        m = { t, id: decoding.readVarUint(d), index: decoding.readVarUint(d), bytes: decoding.readVarUint8Array(d) };
        break;
      case TermTag.FileAck:
        m = { t, id: decoding.readVarUint(d), next: decoding.readVarUint(d) };
        break;
      case TermTag.FileDone:
        m = {
          t, id: decoding.readVarUint(d), ok: decoding.readUint8(d) === 1, message: decoding.readVarString(d), size: decoding.readVarUint(d),
          sha256: decoding.readVarUint8Array(d), signature: decoding.readVarUint8Array(d),
        };
        break;
      case TermTag.FileCancel:
        m = { t, id: decoding.readVarUint(d), reason: decoding.readVarString(d) };
        break;
      case TermTag.OutputRun:
        m = { t, seq: decoding.readVarUint(d), count: decoding.readVarUint(d), offset: decoding.readVarUint(d), bytes: decoding.readVarUint8Array(d) };
        if (m.count < 1) return null;
        break;
      case TermTag.InputState:
        m = { t, counter: decoding.readVarUint(d) };
        break;
      case TermTag.InputRefused:
        m = { t, counter: decoding.readVarUint(d), reason: decoding.readVarString(d), last: decoding.readVarUint(d) };
        break;
      default:
        return null;
    }
    return decoding.hasContent(d) ? null : m;
  } catch {
    return null;
  }
}
