/**
 * The plaintext envelope header and the sealed envelope's outer layout.
 * No crypto here: the blind relay imports this file to read metadata.
 *
 * Header:   u8 version (1 or 2) | u8 kind (0 update, 1 snapshot) | varString docId |
 *           varUint keyEpoch | 32-byte author Ed25519 key | varUint counter (>= 1)
 *           | version 2 only: 16-byte prev (chain.ts: the hash of the author's previous
 *           update envelope in this document, all zeros when unknown)
 * Envelope: varUint8Array(header) | 24-byte nonce | varUint8Array(ciphertext) | 64-byte signature
 *
 * Parsing is strict: every length is checked against the bytes left before a
 * view is taken, varUints must be minimal, and nothing may trail.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { TendrilError } from '../errors.ts';
import { deviceIdFromPublicKey, keyEpoch, parseDocId, publicKeyOfDevice, type DeviceId, type DocId, type KeyEpoch } from '../ids.ts';
import { varUintSize } from '../wire/fields.ts';

/** Version 1: no `prev`. Stored logs hold it, so it still parses and opens. */
export const ENVELOPE_VERSION_V1 = 1;
/** Version 2: the header ends with `prev`, the author's hash chain link (chain.ts). */
export const ENVELOPE_VERSION = 2;
export const PREV_BYTES = 16;
/** The author signs `utf8(this) || ParsedEnvelope.signed`; exported so the relay can verify without crypto imports. */
export const ENVELOPE_SIGNATURE_CONTEXT = 'tendril/envelope/v1';
export const NONCE_BYTES = 24;
export const SIGNATURE_BYTES = 64;
export const AUTHOR_KEY_BYTES = 32;
/** Poly1305 tag: the smallest possible ciphertext. */
export const MIN_CIPHERTEXT_BYTES = 16;
/** Generous bound on a header (a valid one has at most 91 bytes). */
export const MAX_HEADER_BYTES = 128;
const MAX_DOC_ID_BYTES = 64;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export const EnvelopeKind = {
  /** An incremental Yjs update. */
  Update: 0,
  /** A full document state; see snapshot-payload.ts. */
  Snapshot: 1,
} as const;
export type EnvelopeKind = (typeof EnvelopeKind)[keyof typeof EnvelopeKind];

export interface EnvelopeHeader {
  readonly kind: EnvelopeKind;
  readonly doc: DocId;
  readonly epoch: KeyEpoch;
  /** The author device; its Ed25519 key verifies the envelope. */
  readonly author: DeviceId;
  /** Per (document, author) and per kind, starting at 1. */
  readonly counter: number;
  /**
   * Version 2: the hash of the author's previous update envelope in this document (chain.ts),
   * all zeros when the author did not know it. Absent in version 1 headers; encodeHeader writes
   * version 2 exactly when it is present.
   */
  readonly prev?: Uint8Array;
}

/** The parts of a sealed envelope, as views into the input bytes. */
export interface ParsedEnvelope {
  readonly header: EnvelopeHeader;
  readonly headerBytes: Uint8Array;
  /** The author's raw Ed25519 public key (a view into `headerBytes`). */
  readonly authorKey: Uint8Array;
  readonly nonce: Uint8Array;
  readonly ciphertext: Uint8Array;
  readonly signature: Uint8Array;
  /** Every byte before the signature: what the signature covers, after its context prefix. */
  readonly signed: Uint8Array;
}

const malformed = (why: string): TendrilError => new TendrilError('E_ENVELOPE_MALFORMED', `envelope: ${why}`);

export function encodeHeader(header: EnvelopeHeader): Uint8Array {
  if (header.kind !== EnvelopeKind.Update && header.kind !== EnvelopeKind.Snapshot) throw new TendrilError('E_BAD_INPUT', `unknown envelope kind ${String(header.kind)}`);
  if (!Number.isSafeInteger(header.counter) || header.counter < 1) throw new TendrilError('E_BAD_INPUT', `counter must be a positive integer, not ${header.counter}`);
  if (header.prev !== undefined && header.prev.length !== PREV_BYTES) throw new TendrilError('E_BAD_INPUT', `prev must have ${PREV_BYTES} bytes`);
  const enc = encoding.createEncoder();
  encoding.writeUint8(enc, header.prev === undefined ? ENVELOPE_VERSION_V1 : ENVELOPE_VERSION);
  encoding.writeUint8(enc, header.kind);
  encoding.writeVarString(enc, parseDocId(header.doc));
  encoding.writeVarUint(enc, keyEpoch(header.epoch));
  encoding.writeUint8Array(enc, publicKeyOfDevice(header.author));
  encoding.writeVarUint(enc, header.counter);
  if (header.prev !== undefined) encoding.writeUint8Array(enc, header.prev);
  return encoding.toUint8Array(enc);
}

function readMinimalVarUint(dec: decoding.Decoder, what: string): number {
  const start = dec.pos;
  let n: number;
  try {
    n = decoding.readVarUint(dec);
  } catch {
    throw malformed(`${what} is truncated or too large`);
  }
  if (dec.pos - start !== varUintSize(n)) throw malformed(`${what} is not minimally encoded`);
  return n;
}

/** The last doc id bytes decoded (a copy) and the id: the envelopes of one catch-up all name one document. */
let lastDocBytes: Uint8Array | null = null;
let lastDoc: DocId | null = null;

/** Byte equality for the cache above (a document id is not secret: no constant-time compare needed). */
function sameAsLastDoc(bytes: Uint8Array): boolean {
  if (lastDocBytes === null || lastDocBytes.length !== bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== lastDocBytes[i]) return false;
  return true;
}

function docIdOf(bytes: Uint8Array): DocId {
  if (lastDoc !== null && sameAsLastDoc(bytes)) return lastDoc;
  let doc: DocId;
  try {
    doc = parseDocId(strictUtf8.decode(bytes));
  } catch {
    throw malformed('doc id is not a valid DocId');
  }
  lastDocBytes = bytes.slice();
  lastDoc = doc;
  return doc;
}

function readBytes(dec: decoding.Decoder, length: number, what: string): Uint8Array {
  if (length > dec.arr.length - dec.pos) throw malformed(`${what} runs past the end`);
  return decoding.readUint8Array(dec, length);
}

/** Strict header decoding: `E_ENVELOPE_VERSION` for another version, else `E_ENVELOPE_MALFORMED`. */
export function decodeHeader(bytes: Uint8Array): EnvelopeHeader {
  return decodeHeaderParts(bytes).header;
}

function decodeHeaderParts(bytes: Uint8Array): { header: EnvelopeHeader; authorKey: Uint8Array } {
  if (bytes.length === 0) throw malformed('empty header');
  const version = bytes[0];
  if (version !== ENVELOPE_VERSION_V1 && version !== ENVELOPE_VERSION) throw new TendrilError('E_ENVELOPE_VERSION', `envelope version ${bytes[0]} is not supported`);
  const dec = decoding.createDecoder(bytes);
  dec.pos = 1;
  const kind = readBytes(dec, 1, 'kind')[0]!;
  if (kind !== EnvelopeKind.Update && kind !== EnvelopeKind.Snapshot) throw malformed(`unknown kind ${kind}`);
  const docLength = readMinimalVarUint(dec, 'doc id length');
  if (docLength > MAX_DOC_ID_BYTES) throw malformed('doc id too long');
  const doc = docIdOf(readBytes(dec, docLength, 'doc id'));
  const epoch = keyEpoch(readMinimalVarUint(dec, 'key epoch'));
  const authorKey = readBytes(dec, AUTHOR_KEY_BYTES, 'author key');
  const counter = readMinimalVarUint(dec, 'counter');
  if (counter < 1) throw malformed('counter 0 (counters start at 1)');
  const prev = version === ENVELOPE_VERSION ? readBytes(dec, PREV_BYTES, 'prev') : undefined;
  if (decoding.hasContent(dec)) throw malformed('trailing bytes after the header');
  const author = deviceIdFromPublicKey(authorKey);
  const header: EnvelopeHeader = prev === undefined ? { kind: kind as EnvelopeKind, doc, epoch, author, counter } : { kind: kind as EnvelopeKind, doc, epoch, author, counter, prev };
  return { header, authorKey };
}

/** Splits a sealed envelope into its parts without any crypto. */
export function parseEnvelope(bytes: Uint8Array): ParsedEnvelope {
  const dec = decoding.createDecoder(bytes);
  const headerLength = readMinimalVarUint(dec, 'header length');
  if (headerLength > MAX_HEADER_BYTES) throw malformed('header too long');
  const headerBytes = readBytes(dec, headerLength, 'header');
  const { header, authorKey } = decodeHeaderParts(headerBytes);
  const nonce = readBytes(dec, NONCE_BYTES, 'nonce');
  const ciphertextLength = readMinimalVarUint(dec, 'ciphertext length');
  if (ciphertextLength < MIN_CIPHERTEXT_BYTES) throw malformed('ciphertext shorter than its tag');
  if (dec.arr.length - dec.pos !== ciphertextLength + SIGNATURE_BYTES) throw malformed('length does not match the ciphertext and signature');
  const ciphertext = readBytes(dec, ciphertextLength, 'ciphertext');
  const signed = bytes.subarray(0, dec.pos);
  const signature = readBytes(dec, SIGNATURE_BYTES, 'signature');
  return { header, headerBytes, authorKey, nonce, ciphertext, signature, signed };
}

/** Assembles the outer layout; the signature is over `context || signed` (see seal.ts). */
export function encodeEnvelopeBody(headerBytes: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  if (nonce.length !== NONCE_BYTES) throw new TendrilError('E_BAD_INPUT', 'nonce must have 24 bytes');
  const enc = encoding.createEncoder();
  encoding.writeVarUint8Array(enc, headerBytes);
  encoding.writeUint8Array(enc, nonce);
  encoding.writeVarUint8Array(enc, ciphertext);
  return encoding.toUint8Array(enc);
}
