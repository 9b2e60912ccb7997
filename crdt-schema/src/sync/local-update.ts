/**
 * One appended record of a document's local log (see local-log.ts): a Yjs
 * update DocSync applied, with where it came from, so a restart rebuilds the
 * relay cursor and the author counters from the records alone. The cursor is
 * never stored apart from the updates it accounts for, so it cannot run ahead
 * of them after a crash.
 *
 * A record holds the updates of one write (local-log.ts seals the write
 * buffer as one record, so a catch-up batch of hundreds of entries costs one
 * sealing, not hundreds). Layout (sealed with the device's local key before
 * it is stored):
 * version 2: `u8 2 | varUint n | n × update`, version 1 (one update, as older
 * stores hold it): `u8 1 | update`, where an update is
 * `varUint seq | varUint counter | 32-byte author key if counter > 0 | varUint8Array update`.
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

const SINGLE = 1;
const BATCH = 2;

/** The last author written and its key: a batch's updates mostly come from one or two authors. */
let lastAuthor: DeviceId | null = null;
let lastAuthorKey: Uint8Array = new Uint8Array(32);

function keyOf(device: DeviceId): Uint8Array {
  if (device !== lastAuthor) {
    lastAuthorKey = publicKeyOfDevice(device);
    lastAuthor = device;
  }
  return lastAuthorKey;
}

function writeUpdate(e: encoding.Encoder, u: LocalUpdate): void {
  encoding.writeVarUint(e, u.seq);
  if (u.author && !(Number.isSafeInteger(u.author.counter) && u.author.counter >= 1)) throw new TendrilError('E_BAD_INPUT', `an author counter must be >= 1, not ${u.author.counter}`);
  encoding.writeVarUint(e, u.author?.counter ?? 0);
  if (u.author) encoding.writeUint8Array(e, keyOf(u.author.device));
  encoding.writeVarUint8Array(e, u.update);
}

function readUpdate(d: decoding.Decoder): LocalUpdate {
  const seq = decoding.readVarUint(d);
  const counter = decoding.readVarUint(d);
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(counter)) throw new TendrilError('E_DECODE_FAILED', 'local update: number out of range');
  if (counter > 0 && d.arr.length - d.pos < 32) throw new TendrilError('E_DECODE_FAILED', 'local update: author truncated');
  const author = counter > 0 ? { device: deviceIdFromPublicKey(decoding.readUint8Array(d, 32)), counter } : null;
  return { seq, author, update: decoding.readVarUint8Array(d) };
}

/** One update as a version 1 record (the layout of older stores). */
export function encodeLocalUpdate(u: LocalUpdate): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeUint8(e, SINGLE);
  writeUpdate(e, u);
  return encoding.toUint8Array(e);
}

/** The updates of one write as a version 2 record. */
export function encodeLocalUpdates(us: readonly LocalUpdate[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeUint8(e, BATCH);
  encoding.writeVarUint(e, us.length);
  for (const u of us) writeUpdate(e, u);
  return encoding.toUint8Array(e);
}

/** Strict inverse of {@link encodeLocalUpdates} and {@link encodeLocalUpdate}; `E_DECODE_FAILED` on any defect. */
export function decodeLocalUpdates(bytes: Uint8Array): LocalUpdate[] {
  const d = decoding.createDecoder(bytes);
  try {
    const version = decoding.readUint8(d);
    if (version !== SINGLE && version !== BATCH) throw new TendrilError('E_DECODE_FAILED', 'local update: unknown version');
    const n = version === SINGLE ? 1 : decoding.readVarUint(d);
    // Each update takes at least 3 bytes: a bound before allocating anything.
    if (!Number.isSafeInteger(n) || n > bytes.length) throw new TendrilError('E_DECODE_FAILED', 'local update: count out of range');
    const out: LocalUpdate[] = [];
    for (let i = 0; i < n; i++) out.push(readUpdate(d));
    if (d.pos !== bytes.length) throw new TendrilError('E_DECODE_FAILED', 'local update: trailing bytes');
    return out;
  } catch (cause) {
    if (cause instanceof TendrilError) throw cause;
    throw new TendrilError('E_DECODE_FAILED', 'local update: truncated', { cause });
  }
}

/** One version 1 record; `E_DECODE_FAILED` on any defect or on a record of another version. */
export function decodeLocalUpdate(bytes: Uint8Array): LocalUpdate {
  if (bytes[0] !== SINGLE) throw new TendrilError('E_DECODE_FAILED', 'local update: unknown version');
  return decodeLocalUpdates(bytes)[0]!;
}
