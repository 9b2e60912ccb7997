/**
 * The stored-blob frames: BlobWrite/BlobWritten (upload in parts), BlobRead/BlobData (download in
 * parts), BlobHas/BlobHave, BlobList/BlobListing and BlobDelete/BlobDeleted. Each `writeX` writes the
 * type tag and the fields in declaration order; each `readX` reads the fields after the tag, which
 * the dispatcher in codec.ts consumed. Ids are 32 bytes (SHA-256 of the blob); kinds are checked
 * against BlobKind on both sides.
 */
import { FrameType, isBlobKind } from './frames.ts';
import type {
  BlobDataFrame,
  BlobDeletedFrame,
  BlobDeleteFrame,
  BlobHasFrame,
  BlobHaveFrame,
  BlobKind,
  BlobListFrame,
  BlobListingFrame,
  BlobListItem,
  BlobReadFrame,
  BlobWriteFrame,
  BlobWrittenFrame,
} from './frames.ts';
import type { Decoder, Encoder } from './fields.ts';
import { malformed, readBytes, readFixed, readFlag, readUint, unencodable, writeBytes, writeFixed, writeFlag, writeUint } from './fields.ts';
import { BLOB_ID_BYTES, MAX_BLOB_HAS_IDS, MAX_BLOB_LIST_ITEMS } from './limits.ts';

function writeKind(e: Encoder, kind: BlobKind, what: string): void {
  if (!isBlobKind(kind)) throw unencodable(what, `${String(kind)} is not a blob kind`);
  writeUint(e, kind, what);
}

function readKind(d: Decoder, what: string): BlobKind {
  const at = d.pos;
  const kind = readUint(d, what);
  if (!isBlobKind(kind)) throw malformed(what, at, `${kind} is not a blob kind`);
  return kind;
}

const writeId = (e: Encoder, id: Uint8Array, what: string): void => writeFixed(e, id, BLOB_ID_BYTES, what);
const readId = (d: Decoder, what: string): Uint8Array => readFixed(d, BLOB_ID_BYTES, what);

/** A count of items each at least `minBytes` long, refused before looping when the input cannot hold them. */
function readCount(d: Decoder, max: number, minBytes: number, what: string): number {
  const at = d.pos;
  const n = readUint(d, what);
  if (n > max || n * minBytes > d.arr.length - d.pos) throw malformed(what, at, `${n} items do not fit (at most ${max})`);
  return n;
}

function writeList<T>(e: Encoder, items: unknown, max: number, what: string, each: (item: T, i: number) => void): void {
  if (!Array.isArray(items) || items.length > max) throw unencodable(what, `expected at most ${max} items`);
  writeUint(e, items.length, what);
  (items as T[]).forEach(each);
}

export function writeBlobWrite(e: Encoder, f: BlobWriteFrame): void {
  writeUint(e, FrameType.BlobWrite, 'BlobWrite.type');
  writeUint(e, f.ref, 'BlobWrite.ref');
  writeId(e, f.id, 'BlobWrite.id');
  writeKind(e, f.kind, 'BlobWrite.kind');
  writeUint(e, f.size, 'BlobWrite.size');
  writeUint(e, f.offset, 'BlobWrite.offset');
  writeBytes(e, f.data, 'BlobWrite.data');
}

export function readBlobWrite(d: Decoder): BlobWriteFrame {
  const ref = readUint(d, 'BlobWrite.ref');
  const id = readId(d, 'BlobWrite.id');
  const kind = readKind(d, 'BlobWrite.kind');
  const size = readUint(d, 'BlobWrite.size');
  const offset = readUint(d, 'BlobWrite.offset');
  const data = readBytes(d, 'BlobWrite.data');
  return { type: FrameType.BlobWrite, ref, id, kind, size, offset, data };
}

export function writeBlobWritten(e: Encoder, f: BlobWrittenFrame): void {
  writeUint(e, FrameType.BlobWritten, 'BlobWritten.type');
  writeUint(e, f.ref, 'BlobWritten.ref');
  writeId(e, f.id, 'BlobWritten.id');
  writeUint(e, f.received, 'BlobWritten.received');
  writeFlag(e, f.stored, 'BlobWritten.stored');
}

export function readBlobWritten(d: Decoder): BlobWrittenFrame {
  const ref = readUint(d, 'BlobWritten.ref');
  const id = readId(d, 'BlobWritten.id');
  const received = readUint(d, 'BlobWritten.received');
  const stored = readFlag(d, 'BlobWritten.stored');
  return { type: FrameType.BlobWritten, ref, id, received, stored };
}

export function writeBlobRead(e: Encoder, f: BlobReadFrame): void {
  writeUint(e, FrameType.BlobRead, 'BlobRead.type');
  writeUint(e, f.ref, 'BlobRead.ref');
  writeId(e, f.id, 'BlobRead.id');
  writeUint(e, f.offset, 'BlobRead.offset');
  writeUint(e, f.length, 'BlobRead.length');
}

export function readBlobRead(d: Decoder): BlobReadFrame {
  const ref = readUint(d, 'BlobRead.ref');
  const id = readId(d, 'BlobRead.id');
  const offset = readUint(d, 'BlobRead.offset');
  const length = readUint(d, 'BlobRead.length');
  return { type: FrameType.BlobRead, ref, id, offset, length };
}

export function writeBlobData(e: Encoder, f: BlobDataFrame): void {
  writeUint(e, FrameType.BlobData, 'BlobData.type');
  writeUint(e, f.ref, 'BlobData.ref');
  writeId(e, f.id, 'BlobData.id');
  writeKind(e, f.kind, 'BlobData.kind');
  writeUint(e, f.size, 'BlobData.size');
  writeUint(e, f.storedAt, 'BlobData.storedAt');
  writeUint(e, f.offset, 'BlobData.offset');
  writeBytes(e, f.data, 'BlobData.data');
}

export function readBlobData(d: Decoder): BlobDataFrame {
  const ref = readUint(d, 'BlobData.ref');
  const id = readId(d, 'BlobData.id');
  const kind = readKind(d, 'BlobData.kind');
  const size = readUint(d, 'BlobData.size');
  const storedAt = readUint(d, 'BlobData.storedAt');
  const offset = readUint(d, 'BlobData.offset');
  const data = readBytes(d, 'BlobData.data');
  return { type: FrameType.BlobData, ref, id, kind, size, storedAt, offset, data };
}

export function writeBlobHas(e: Encoder, f: BlobHasFrame): void {
  writeUint(e, FrameType.BlobHas, 'BlobHas.type');
  writeUint(e, f.ref, 'BlobHas.ref');
  writeList<Uint8Array>(e, f.ids, MAX_BLOB_HAS_IDS, 'BlobHas.ids', (id, i) => writeId(e, id, `BlobHas.ids[${i}]`));
}

export function readBlobHas(d: Decoder): BlobHasFrame {
  const ref = readUint(d, 'BlobHas.ref');
  const n = readCount(d, MAX_BLOB_HAS_IDS, BLOB_ID_BYTES, 'BlobHas.ids');
  const ids = Array.from({ length: n }, (_, i) => readId(d, `BlobHas.ids[${i}]`));
  return { type: FrameType.BlobHas, ref, ids };
}

export function writeBlobHave(e: Encoder, f: BlobHaveFrame): void {
  writeUint(e, FrameType.BlobHave, 'BlobHave.type');
  writeUint(e, f.ref, 'BlobHave.ref');
  writeList<boolean>(e, f.present, MAX_BLOB_HAS_IDS, 'BlobHave.present', (v, i) => writeFlag(e, v, `BlobHave.present[${i}]`));
}

export function readBlobHave(d: Decoder): BlobHaveFrame {
  const ref = readUint(d, 'BlobHave.ref');
  const n = readCount(d, MAX_BLOB_HAS_IDS, 1, 'BlobHave.present');
  const present = Array.from({ length: n }, (_, i) => readFlag(d, `BlobHave.present[${i}]`));
  return { type: FrameType.BlobHave, ref, present };
}

export function writeBlobList(e: Encoder, f: BlobListFrame): void {
  writeUint(e, FrameType.BlobList, 'BlobList.type');
  writeUint(e, f.ref, 'BlobList.ref');
  writeKind(e, f.kind, 'BlobList.kind');
  if (!(f.after instanceof Uint8Array) || (f.after.length !== 0 && f.after.length !== BLOB_ID_BYTES)) {
    throw unencodable('BlobList.after', `expected 0 or ${BLOB_ID_BYTES} bytes`);
  }
  writeBytes(e, f.after, 'BlobList.after');
  writeUint(e, f.limit, 'BlobList.limit');
}

export function readBlobList(d: Decoder): BlobListFrame {
  const ref = readUint(d, 'BlobList.ref');
  const kind = readKind(d, 'BlobList.kind');
  const at = d.pos;
  const after = readBytes(d, 'BlobList.after');
  if (after.length !== 0 && after.length !== BLOB_ID_BYTES) throw malformed('BlobList.after', at, `${after.length} bytes, expected 0 or ${BLOB_ID_BYTES}`);
  const limit = readUint(d, 'BlobList.limit');
  return { type: FrameType.BlobList, ref, kind, after, limit };
}

export function writeBlobListing(e: Encoder, f: BlobListingFrame): void {
  writeUint(e, FrameType.BlobListing, 'BlobListing.type');
  writeUint(e, f.ref, 'BlobListing.ref');
  writeList<BlobListItem>(e, f.items, MAX_BLOB_LIST_ITEMS, 'BlobListing.items', (item, i) => {
    writeId(e, item.id, `BlobListing.items[${i}].id`);
    writeUint(e, item.size, `BlobListing.items[${i}].size`);
    writeUint(e, item.storedAt, `BlobListing.items[${i}].storedAt`);
  });
  writeFlag(e, f.more, 'BlobListing.more');
}

export function readBlobListing(d: Decoder): BlobListingFrame {
  const ref = readUint(d, 'BlobListing.ref');
  const n = readCount(d, MAX_BLOB_LIST_ITEMS, BLOB_ID_BYTES + 2, 'BlobListing.items');
  const items: BlobListItem[] = [];
  for (let i = 0; i < n; i++) {
    const id = readId(d, `BlobListing.items[${i}].id`);
    const size = readUint(d, `BlobListing.items[${i}].size`);
    const storedAt = readUint(d, `BlobListing.items[${i}].storedAt`);
    items.push({ id, size, storedAt });
  }
  const more = readFlag(d, 'BlobListing.more');
  return { type: FrameType.BlobListing, ref, items, more };
}

export function writeBlobDelete(e: Encoder, f: BlobDeleteFrame): void {
  writeUint(e, FrameType.BlobDelete, 'BlobDelete.type');
  writeUint(e, f.ref, 'BlobDelete.ref');
  writeId(e, f.id, 'BlobDelete.id');
}

export function readBlobDelete(d: Decoder): BlobDeleteFrame {
  const ref = readUint(d, 'BlobDelete.ref');
  const id = readId(d, 'BlobDelete.id');
  return { type: FrameType.BlobDelete, ref, id };
}

export function writeBlobDeleted(e: Encoder, f: BlobDeletedFrame): void {
  writeUint(e, FrameType.BlobDeleted, 'BlobDeleted.type');
  writeUint(e, f.ref, 'BlobDeleted.ref');
  writeId(e, f.id, 'BlobDeleted.id');
  writeFlag(e, f.existed, 'BlobDeleted.existed');
}

export function readBlobDeleted(d: Decoder): BlobDeletedFrame {
  const ref = readUint(d, 'BlobDeleted.ref');
  const id = readId(d, 'BlobDeleted.id');
  const existed = readFlag(d, 'BlobDeleted.existed');
  return { type: FrameType.BlobDeleted, ref, id, existed };
}
