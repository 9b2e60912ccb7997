/**
 * One appended record of a document's local log (see local-log.ts): a Yjs
 * update DocSync applied, with where it came from, so a restart rebuilds the
 * relay cursor and the author counters from the records alone. The cursor is
 * never stored apart from the updates it accounts for, so it cannot run ahead
 * of them after a crash.
 *
 * Layout (sealed with the device's local key before it is stored):
 * `u8 version=1 | varUint seq | varUint counter | 32-byte author key if counter > 0 | varUint8Array update`.
 * `seq` 0: not a relay entry. `counter` 0: no author (a seq the relay replayed, counted but not applied).
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { TendrilError } from '../errors.ts';
import { deviceIdFromPublicKey, publicKeyOfDevice, type DeviceId } from '../ids.ts';

export interface LocalUpdate {
  /** The relay seq of the entry; 0 when none. */
  readonly seq: number;
  /** The entry's author and author counter; null for a seq that carries no applied update. */
  readonly author: { readonly device: DeviceId; readonly counter: number } | null;
  /** The Yjs update; empty when nothing was applied. */
  readonly update: Uint8Array;
}

const VERSION = 1;

export function encodeLocalUpdate(u: LocalUpdate): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeUint8(e, VERSION);
  encoding.writeVarUint(e, u.seq);
  if (u.author && !(Number.isSafeInteger(u.author.counter) && u.author.counter >= 1)) throw new TendrilError('E_BAD_INPUT', `an author counter must be >= 1, not ${u.author.counter}`);
  encoding.writeVarUint(e, u.author?.counter ?? 0);
  if (u.author) encoding.writeUint8Array(e, publicKeyOfDevice(u.author.device));
  encoding.writeVarUint8Array(e, u.update);
  return encoding.toUint8Array(e);
}

/** Strict inverse of {@link encodeLocalUpdate}; `E_DECODE_FAILED` on any defect. */
export function decodeLocalUpdate(bytes: Uint8Array): LocalUpdate {
  const d = decoding.createDecoder(bytes);
  try {
    if (decoding.readUint8(d) !== VERSION) throw new TendrilError('E_DECODE_FAILED', 'local update: unknown version');
    const seq = decoding.readVarUint(d);
    const counter = decoding.readVarUint(d);
    if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(counter)) throw new TendrilError('E_DECODE_FAILED', 'local update: number out of range');
    if (counter > 0 && bytes.length - d.pos < 32) throw new TendrilError('E_DECODE_FAILED', 'local update: author truncated');
    const author = counter > 0 ? { device: deviceIdFromPublicKey(decoding.readUint8Array(d, 32)), counter } : null;
    const update = decoding.readVarUint8Array(d);
    if (d.pos !== bytes.length) throw new TendrilError('E_DECODE_FAILED', 'local update: trailing bytes');
    return { seq, author, update };
  } catch (cause) {
    if (cause instanceof TendrilError) throw cause;
    throw new TendrilError('E_DECODE_FAILED', 'local update: truncated', { cause });
  }
}
