/**
 * Field codecs shared by every frame: one write/read pair per field kind,
 * on lib0 encoders and decoders with y-protocols' varUint conventions.
 *
 * Writers validate, so whatever encodes also decodes. Readers treat the input
 * as hostile: each length prefix is checked against the bytes that remain
 * before anything is read or allocated, varUints stop at 53 bits, text must be
 * well-formed UTF-8, and every failure is a TendrilError E_FRAME_MALFORMED
 * that names the field and the byte offset. lib0's own readers are not used
 * because they throw plain Errors and accept out-of-range integers.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { TendrilError } from '../errors.ts';
import { parseDeviceId, parseDocId, parseWorkspaceId } from '../ids.ts';
import type { DeviceId, DocId, WorkspaceId } from '../ids.ts';
import { MAX_ID_BYTES } from './limits.ts';

export type Encoder = encoding.Encoder;
export type Decoder = decoding.Decoder;

const utf8 = new TextEncoder();
/** Fatal: invalid UTF-8 throws. ignoreBOM: a leading U+FEFF is kept, so text round-trips. */
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const LONE_SURROGATE = /\p{Cs}/u;

/** The error for a frame that cannot be written as asked. */
export function unencodable(what: string, detail: string, cause?: unknown): TendrilError {
  return new TendrilError('E_FRAME_MALFORMED', `cannot encode ${what}: ${detail}`, { cause });
}

/** The error for bytes that do not parse; `at` is the byte offset where the field starts. */
export function malformed(what: string, at: number, detail: string, cause?: unknown): TendrilError {
  return new TendrilError('E_FRAME_MALFORMED', `${what} at byte ${at}: ${detail}`, { cause });
}

const remaining = (d: Decoder): number => d.arr.length - d.pos;

/** A safe non-negative integer as a varUint. */
export function writeUint(e: Encoder, n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw unencodable(what, `${String(n)} is not a safe non-negative integer`);
  encoding.writeVarUint(e, n);
}

/** Bytes the minimal varUint encoding of `n` takes (lib0's writeVarUint writes exactly that many). */
export function varUintSize(n: number): number {
  let size = 1;
  while (n > 0x7f) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Writes `n` as a minimal varUint into `out` at `at` (room checked by the caller); the index after it. */
export function putVarUint(out: Uint8Array, at: number, n: number): number {
  while (n > 0x7f) {
    out[at++] = 0x80 | (n & 0x7f);
    n = Math.floor(n / 128);
  }
  out[at++] = n;
  return at;
}

/** A varUint of at most 8 bytes, minimally encoded, no larger than 2^53 - 1. */
export function readUint(d: Decoder, what: string): number {
  const at = d.pos;
  let num = 0;
  let mult = 1;
  for (let i = 0; i < 8; i++) {
    if (d.pos >= d.arr.length) throw malformed(what, at, 'truncated varUint');
    const b = d.arr[d.pos++]!;
    num += (b & 0x7f) * mult;
    if (b < 0x80) {
      if (b === 0 && i > 0) throw malformed(what, at, 'overlong varUint (not minimally encoded)');
      if (num > Number.MAX_SAFE_INTEGER) throw malformed(what, at, 'varUint exceeds 2^53 - 1');
      return num;
    }
    mult *= 128;
  }
  throw malformed(what, at, 'varUint longer than 8 bytes (exceeds 53 bits)');
}

/** A boolean as one byte, 0 or 1. */
export function writeFlag(e: Encoder, v: boolean, what: string): void {
  if (typeof v !== 'boolean') throw unencodable(what, 'not a boolean');
  encoding.writeUint8(e, v ? 1 : 0);
}

export function readFlag(d: Decoder, what: string): boolean {
  const at = d.pos;
  if (remaining(d) < 1) throw malformed(what, at, 'truncated (expected a 0/1 byte)');
  const b = d.arr[d.pos++]!;
  if (b > 1) throw malformed(what, at, `byte ${b} is neither 0 nor 1`);
  return b === 1;
}

/** Decoders whose byte fields are views into their input (codec.ts `views`) instead of copies. */
const viewing = new WeakSet<Decoder>();

/** Makes `d` hand out its byte fields as views into its input. */
export function decodeWithViews(d: Decoder): void {
  viewing.add(d);
}

/** Copies `n` bytes out of the input, so a decoded frame never aliases a reused buffer (a view for a {@link decodeWithViews} decoder). */
function take(d: Decoder, n: number, what: string, at: number): Uint8Array {
  if (n > remaining(d)) throw malformed(what, at, `needs ${n} bytes, ${remaining(d)} remain`);
  const field = d.arr.subarray(d.pos, d.pos + n);
  d.pos += n;
  return viewing.has(d) ? field : new Uint8Array(field);
}

/** Exactly `n` bytes with no length prefix (nonces, keys, signatures). */
export function writeFixed(e: Encoder, bytes: Uint8Array, n: number, what: string): void {
  if (!(bytes instanceof Uint8Array)) throw unencodable(what, 'not a Uint8Array');
  if (bytes.length !== n) throw unencodable(what, `expected ${n} bytes, got ${bytes.length}`);
  encoding.writeUint8Array(e, bytes);
}

export function readFixed(d: Decoder, n: number, what: string): Uint8Array {
  return take(d, n, what, d.pos);
}

/**
 * Byte fields from this size up are appended to the encoder by reference instead of copied into it:
 * lib0 copies a large array into a new buffer of its own and then again into the result, two
 * payload-sized allocations per frame (a 252 KiB terminal batch, a snapshot) where one will do.
 */
const BY_REFERENCE_BYTES = 1024;

/**
 * A varUint length, then the bytes. A large field is referenced by the encoder until its
 * `toUint8Array`, which copies it once (every encoder here ends in one, synchronously: codec.ts).
 */
export function writeBytes(e: Encoder, bytes: Uint8Array, what: string): void {
  if (!(bytes instanceof Uint8Array)) throw unencodable(what, 'not a Uint8Array');
  if (bytes.length < BY_REFERENCE_BYTES) return encoding.writeVarUint8Array(e, bytes);
  encoding.writeVarUint(e, bytes.length);
  // lib0's Encoder: finished chunks in `bufs`, the current one in `cbuf` (its own buffer, from 0) up to `cpos`.
  e.bufs.push(new Uint8Array(e.cbuf.buffer, 0, e.cpos), bytes);
  e.cbuf = new Uint8Array(64);
  e.cpos = 0;
}

export function readBytes(d: Decoder, what: string): Uint8Array {
  const at = d.pos;
  return take(d, readUint(d, what), what, at);
}

/** A varString (varUint byte length, then UTF-8) of at most `maxBytes` bytes. */
export function writeText(e: Encoder, text: string, maxBytes: number, what: string): void {
  if (typeof text !== 'string') throw unencodable(what, 'not a string');
  if (LONE_SURROGATE.test(text)) throw unencodable(what, 'contains a lone surrogate (not valid Unicode)');
  const bytes = utf8.encode(text);
  if (bytes.length > maxBytes) throw unencodable(what, `${bytes.length} UTF-8 bytes exceed the limit of ${maxBytes}`);
  encoding.writeVarUint8Array(e, bytes);
}

export function readText(d: Decoder, maxBytes: number, what: string): string {
  const at = d.pos;
  const n = readUint(d, what);
  if (n > maxBytes) throw malformed(what, at, `text of ${n} bytes exceeds the limit of ${maxBytes}`);
  if (n > remaining(d)) throw malformed(what, at, `needs ${n} bytes, ${remaining(d)} remain`);
  const view = d.arr.subarray(d.pos, d.pos + n);
  d.pos += n;
  try {
    return utf8Strict.decode(view);
  } catch (cause) {
    throw malformed(what, at, 'invalid UTF-8', cause);
  }
}

function writeId(e: Encoder, id: string, parse: (t: unknown) => string, what: string): void {
  try {
    parse(id);
  } catch (cause) {
    throw unencodable(what, 'not a valid id', cause);
  }
  writeText(e, id, MAX_ID_BYTES, what);
}

function readId<T>(d: Decoder, parse: (t: unknown) => T, what: string): T {
  const at = d.pos;
  const text = readText(d, MAX_ID_BYTES, what);
  try {
    return parse(text);
  } catch (cause) {
    throw malformed(what, at, 'not a valid id', cause);
  }
}

export const writeDocId = (e: Encoder, id: DocId, what: string): void => writeId(e, id, parseDocId, what);
export const readDocId = (d: Decoder, what: string): DocId => readId(d, parseDocId, what);
export const writeDeviceId = (e: Encoder, id: DeviceId, what: string): void => writeId(e, id, parseDeviceId, what);
export const readDeviceId = (d: Decoder, what: string): DeviceId => readId(d, parseDeviceId, what);
export const writeWorkspaceId = (e: Encoder, id: WorkspaceId, what: string): void =>
  writeId(e, id, parseWorkspaceId, what);
export const readWorkspaceId = (d: Decoder, what: string): WorkspaceId => readId(d, parseWorkspaceId, what);
