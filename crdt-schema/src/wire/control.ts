/**
 * Connection-level and workspace frames: Error, Revoke, SetCaps and the blob
 * mailbox (BlobPut, BlobTake, Blob). Each `writeX` writes the type tag and the
 * fields in declaration order; each `readX` reads the fields after the tag.
 */
import { parseDocId } from '../ids.ts';
import type { DocId } from '../ids.ts';
import { FrameType } from './frames.ts';
import type {
  BlobFrame,
  BlobPutFrame,
  BlobTakeFrame,
  ErrorFrame,
  RevokeFrame,
  SetCapsFrame,
  EnrolFrame,
  AddAdminFrame,
} from './frames.ts';
import type { Decoder, Encoder } from './fields.ts';
import {
  malformed,
  readBytes,
  readDeviceId,
  readDocId,
  readFixed,
  readFlag,
  readText,
  readUint,
  readWorkspaceId,
  unencodable,
  writeBytes,
  writeDeviceId,
  writeDocId,
  writeFixed,
  writeFlag,
  writeText,
  writeUint,
  writeWorkspaceId,
} from './fields.ts';
import {
  ERROR_CODE_PATTERN,
  MAX_CAPS_READERS,
  MAX_ID_BYTES,
  MAX_LABEL_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_TOKEN_BYTES,
  PUBLIC_KEY_BYTES,
  SIGNATURE_BYTES,
} from './limits.ts';

export function writeError(e: Encoder, f: ErrorFrame): void {
  writeUint(e, FrameType.Error, 'Error.type');
  if (typeof f.code !== 'string' || !ERROR_CODE_PATTERN.test(f.code)) {
    throw unencodable('Error.code', `${JSON.stringify(String(f.code).slice(0, 70))} is not an E_[A-Z_]+ code`);
  }
  writeText(e, f.code, MAX_ID_BYTES, 'Error.code');
  writeText(e, f.message, MAX_MESSAGE_BYTES, 'Error.message');
  if (f.doc === '') writeText(e, '', MAX_ID_BYTES, 'Error.doc');
  else writeDocId(e, f.doc as DocId, 'Error.doc');
  writeUint(e, f.ref, 'Error.ref');
  writeUint(e, f.retryAfterMs, 'Error.retryAfterMs');
  writeFlag(e, f.fatal, 'Error.fatal');
}

export function readError(d: Decoder): ErrorFrame {
  let at = d.pos;
  const code = readText(d, MAX_ID_BYTES, 'Error.code');
  if (!ERROR_CODE_PATTERN.test(code)) throw malformed('Error.code', at, 'not an E_[A-Z_]+ code');
  const message = readText(d, MAX_MESSAGE_BYTES, 'Error.message');
  at = d.pos;
  const doc = readText(d, MAX_ID_BYTES, 'Error.doc');
  if (doc !== '') {
    try {
      parseDocId(doc);
    } catch (cause) {
      throw malformed('Error.doc', at, 'neither "" nor a valid document id', cause);
    }
  }
  const ref = readUint(d, 'Error.ref');
  const retryAfterMs = readUint(d, 'Error.retryAfterMs');
  const fatal = readFlag(d, 'Error.fatal');
  return { type: FrameType.Error, code, message, doc, ref, retryAfterMs, fatal };
}

export function writeRevoke(e: Encoder, f: RevokeFrame): void {
  writeUint(e, FrameType.Revoke, 'Revoke.type');
  writeWorkspaceId(e, f.workspace, 'Revoke.workspace');
  writeDeviceId(e, f.device, 'Revoke.device');
  writeUint(e, f.at, 'Revoke.at');
  writeDeviceId(e, f.admin, 'Revoke.admin');
  writeFixed(e, f.signature, SIGNATURE_BYTES, 'Revoke.signature');
}

export function readRevoke(d: Decoder): RevokeFrame {
  const workspace = readWorkspaceId(d, 'Revoke.workspace');
  const device = readDeviceId(d, 'Revoke.device');
  const at = readUint(d, 'Revoke.at');
  const admin = readDeviceId(d, 'Revoke.admin');
  const signature = readFixed(d, SIGNATURE_BYTES, 'Revoke.signature');
  return { type: FrameType.Revoke, workspace, device, at, admin, signature };
}

export function writeAddAdmin(e: Encoder, f: AddAdminFrame): void {
  writeUint(e, FrameType.AddAdmin, 'AddAdmin.type');
  writeWorkspaceId(e, f.workspace, 'AddAdmin.workspace');
  writeFixed(e, f.key, PUBLIC_KEY_BYTES, 'AddAdmin.key');
  writeDeviceId(e, f.admin, 'AddAdmin.admin');
  writeFixed(e, f.signature, SIGNATURE_BYTES, 'AddAdmin.signature');
}

export function readAddAdmin(d: Decoder): AddAdminFrame {
  const workspace = readWorkspaceId(d, 'AddAdmin.workspace');
  const key = readFixed(d, PUBLIC_KEY_BYTES, 'AddAdmin.key');
  const admin = readDeviceId(d, 'AddAdmin.admin');
  const signature = readFixed(d, SIGNATURE_BYTES, 'AddAdmin.signature');
  return { type: FrameType.AddAdmin, workspace, key, admin, signature };
}

export function writeEnrol(e: Encoder, f: EnrolFrame): void {
  writeUint(e, FrameType.Enrol, 'Enrol.type');
  writeWorkspaceId(e, f.workspace, 'Enrol.workspace');
  writeFixed(e, f.device, PUBLIC_KEY_BYTES, 'Enrol.device');
  writeDeviceId(e, f.signer, 'Enrol.signer');
  if (!(f.token instanceof Uint8Array) || f.token.length > MAX_TOKEN_BYTES) throw unencodable('Enrol.token', `expected at most ${MAX_TOKEN_BYTES} bytes`);
  writeBytes(e, f.token, 'Enrol.token');
  writeFixed(e, f.signature, SIGNATURE_BYTES, 'Enrol.signature');
}

export function readEnrol(d: Decoder): EnrolFrame {
  const workspace = readWorkspaceId(d, 'Enrol.workspace');
  const device = readFixed(d, PUBLIC_KEY_BYTES, 'Enrol.device');
  const signer = readDeviceId(d, 'Enrol.signer');
  const at = d.pos;
  const token = readBytes(d, 'Enrol.token');
  if (token.length > MAX_TOKEN_BYTES) throw malformed('Enrol.token', at, `${token.length} bytes, at most ${MAX_TOKEN_BYTES}`);
  const signature = readFixed(d, SIGNATURE_BYTES, 'Enrol.signature');
  return { type: FrameType.Enrol, workspace, device, signer, token, signature };
}

export function writeSetCaps(e: Encoder, f: SetCapsFrame): void {
  writeUint(e, FrameType.SetCaps, 'SetCaps.type');
  writeDocId(e, f.doc, 'SetCaps.doc');
  writeUint(e, f.ref, 'SetCaps.ref');
  writeFixed(e, f.writeKey, PUBLIC_KEY_BYTES, 'SetCaps.writeKey');
  writeFixed(e, f.readKey, PUBLIC_KEY_BYTES, 'SetCaps.readKey');
  const readers: unknown = (f as { readers?: unknown }).readers;
  if (!Array.isArray(readers) || readers.length > MAX_CAPS_READERS) throw unencodable('SetCaps.readers', `expected at most ${MAX_CAPS_READERS} keys`);
  writeUint(e, readers.length, 'SetCaps.readers');
  readers.forEach((key: Uint8Array, i) => writeFixed(e, key, PUBLIC_KEY_BYTES, `SetCaps.readers[${i}]`));
  writeDeviceId(e, f.admin, 'SetCaps.admin');
  writeFixed(e, f.proof, SIGNATURE_BYTES, 'SetCaps.proof');
}

export function readSetCaps(d: Decoder): SetCapsFrame {
  const doc = readDocId(d, 'SetCaps.doc');
  const ref = readUint(d, 'SetCaps.ref');
  const writeKey = readFixed(d, PUBLIC_KEY_BYTES, 'SetCaps.writeKey');
  const readKey = readFixed(d, PUBLIC_KEY_BYTES, 'SetCaps.readKey');
  const at = d.pos;
  const count = readUint(d, 'SetCaps.readers');
  if (count > MAX_CAPS_READERS || count * PUBLIC_KEY_BYTES > d.arr.length - d.pos) {
    throw malformed('SetCaps.readers', at, `${count} keys, expected at most ${MAX_CAPS_READERS} and no more than the frame holds`);
  }
  const readers: Uint8Array[] = [];
  for (let i = 0; i < count; i++) readers.push(readFixed(d, PUBLIC_KEY_BYTES, `SetCaps.readers[${i}]`));
  const admin = readDeviceId(d, 'SetCaps.admin');
  const proof = readFixed(d, SIGNATURE_BYTES, 'SetCaps.proof');
  return { type: FrameType.SetCaps, doc, ref, writeKey, readKey, readers, admin, proof };
}

/** Blob keys are non-empty short text. */
function writeBlobKey(e: Encoder, key: string, what: string): void {
  if (key === '') throw unencodable(what, 'empty key');
  writeText(e, key, MAX_LABEL_BYTES, what);
}

function readBlobKey(d: Decoder, what: string): string {
  const at = d.pos;
  const key = readText(d, MAX_LABEL_BYTES, what);
  if (key === '') throw malformed(what, at, 'empty key');
  return key;
}

export function writeBlobPut(e: Encoder, f: BlobPutFrame): void {
  writeUint(e, FrameType.BlobPut, 'BlobPut.type');
  writeUint(e, f.ref, 'BlobPut.ref');
  writeBlobKey(e, f.key, 'BlobPut.key');
  writeUint(e, f.ttlSeconds, 'BlobPut.ttlSeconds');
  writeBytes(e, f.data, 'BlobPut.data');
}

export function readBlobPut(d: Decoder): BlobPutFrame {
  const ref = readUint(d, 'BlobPut.ref');
  const key = readBlobKey(d, 'BlobPut.key');
  const ttlSeconds = readUint(d, 'BlobPut.ttlSeconds');
  const data = readBytes(d, 'BlobPut.data');
  return { type: FrameType.BlobPut, ref, key, ttlSeconds, data };
}

export function writeBlobTake(e: Encoder, f: BlobTakeFrame): void {
  writeUint(e, FrameType.BlobTake, 'BlobTake.type');
  writeUint(e, f.ref, 'BlobTake.ref');
  writeBlobKey(e, f.key, 'BlobTake.key');
}

export function readBlobTake(d: Decoder): BlobTakeFrame {
  const ref = readUint(d, 'BlobTake.ref');
  const key = readBlobKey(d, 'BlobTake.key');
  return { type: FrameType.BlobTake, ref, key };
}

export function writeBlob(e: Encoder, f: BlobFrame): void {
  writeUint(e, FrameType.Blob, 'Blob.type');
  writeUint(e, f.ref, 'Blob.ref');
  writeFlag(e, f.found, 'Blob.found');
  writeBytes(e, f.data, 'Blob.data');
}

export function readBlob(d: Decoder): BlobFrame {
  const ref = readUint(d, 'Blob.ref');
  const found = readFlag(d, 'Blob.found');
  const data = readBytes(d, 'Blob.data');
  return { type: FrameType.Blob, ref, found, data };
}
