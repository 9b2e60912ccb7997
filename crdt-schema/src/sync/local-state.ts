/**
 * A document state tied to the relay sequence it covers. The same plaintext
 * serves two purposes: a snapshot envelope's payload (so the relay cannot serve
 * an old snapshot as a newer one: the covered seq is sealed inside) and the
 * device's at-rest state (sealed with the local key).
 * Layout: `varUint coveredSeq | snapshot payload (envelope/snapshot-payload.ts)`.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { TendrilError } from '../errors.ts';
import { decodeSnapshotPayload, encodeSnapshotPayload, type SnapshotPayload } from '../envelope/snapshot-payload.ts';

export interface CoveredState extends SnapshotPayload {
  /** Every relay entry up to and including this seq is in `state`. */
  readonly seq: number;
}

export function encodeCoveredState(s: CoveredState): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, s.seq);
  encoding.writeUint8Array(e, encodeSnapshotPayload(s));
  return encoding.toUint8Array(e);
}

export function decodeCoveredState(bytes: Uint8Array): CoveredState {
  const d = decoding.createDecoder(bytes);
  let seq: number;
  try {
    seq = decoding.readVarUint(d);
  } catch (cause) {
    throw new TendrilError('E_DECODE_FAILED', 'covered state: sequence truncated', { cause });
  }
  if (!Number.isSafeInteger(seq)) throw new TendrilError('E_DECODE_FAILED', 'covered state: sequence out of range');
  return { seq, ...decodeSnapshotPayload(bytes.subarray(d.pos)) };
}
