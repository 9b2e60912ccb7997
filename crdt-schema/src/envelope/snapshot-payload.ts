/**
 * The plaintext of a snapshot envelope: which author counters it covers and
 * the Yjs state. A peer that loads a snapshot applies the state, then raises
 * its counters with `CounterTracker.advanceTo(covers)`, so the updates the
 * snapshot already contains are refused as replays and the next ones fit.
 *
 * Layout: varUint n | n x (32-byte author key | varUint counter >= 1), authors
 * in strictly ascending byte order | varUint8Array(Yjs state update).
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { TendrilError } from '../errors.ts';
import { deviceIdFromPublicKey, publicKeyOfDevice, type DeviceId } from '../ids.ts';

export interface SnapshotPayload {
  /** Last update counter per author that the state includes. */
  readonly covers: ReadonlyMap<DeviceId, number>;
  /** `Y.encodeStateAsUpdate(doc)`. */
  readonly state: Uint8Array;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

export function encodeSnapshotPayload(payload: SnapshotPayload): Uint8Array {
  const authors = [...payload.covers].map(([id, n]) => ({ key: publicKeyOfDevice(id), n }));
  authors.sort((a, b) => compareBytes(a.key, b.key));
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, authors.length);
  for (const { key, n } of authors) {
    if (!Number.isSafeInteger(n) || n < 1) throw new TendrilError('E_BAD_INPUT', `covered counter must be >= 1, not ${n}`);
    encoding.writeUint8Array(enc, key);
    encoding.writeVarUint(enc, n);
  }
  encoding.writeVarUint8Array(enc, payload.state);
  return encoding.toUint8Array(enc);
}

const invalid = (why: string): TendrilError => new TendrilError('E_DECODE_FAILED', `snapshot payload: ${why}`);

/** Strict decoding; `E_DECODE_FAILED` on any defect (the author sealed garbage with a valid key). */
export function decodeSnapshotPayload(bytes: Uint8Array): SnapshotPayload {
  const dec = decoding.createDecoder(bytes);
  const left = (): number => bytes.length - dec.pos;
  const varUint = (what: string): number => {
    try {
      return decoding.readVarUint(dec);
    } catch {
      throw invalid(`${what} truncated`);
    }
  };
  const count = varUint('author count');
  if (count > left() / 33) throw invalid('more authors than bytes');
  const covers = new Map<DeviceId, number>();
  let previous: Uint8Array | null = null;
  for (let i = 0; i < count; i++) {
    if (left() < 32) throw invalid('author key truncated');
    const key: Uint8Array = decoding.readUint8Array(dec, 32);
    if (previous !== null && compareBytes(previous, key) >= 0) throw invalid('authors not in strictly ascending order');
    previous = key;
    const n = varUint('counter');
    if (n < 1) throw invalid('covered counter 0');
    covers.set(deviceIdFromPublicKey(key), n);
  }
  const stateLength = varUint('state length');
  if (stateLength !== left()) throw invalid('state length does not match the bytes left');
  return { covers, state: decoding.readUint8Array(dec, stateLength) };
}
