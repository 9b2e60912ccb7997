/**
 * Content-addressed blobs of a workspace (sealed chat attachments, backup chunks and manifests):
 * BlobWrite, BlobRead, BlobHas, BlobList and BlobDelete. Members only (guests never reach here:
 * dispatch refuses them). The relay never learns what a blob holds: it checks that the bytes hash
 * to their id (so nobody can plant other bytes under an id someone else will fetch), counts them
 * against the workspace's byte quota, and keeps kind, size, time and the storing device.
 * Deleting needs an admin device or the device that stored the blob.
 */
import { createHash } from 'node:crypto';
import {
  FrameType,
  MAX_BLOB_LIST_ITEMS,
  type BlobDeleteFrame,
  type BlobHasFrame,
  type BlobListFrame,
  type BlobReadFrame,
  type BlobWriteFrame,
} from '@tendril/crdt-schema/wire';
import { bytesEqual, hexOf } from '../../store/bytes.ts';
import type { Connection } from '../connection.ts';
import type { RelayContext } from '../context.ts';
import { joinParts, type BlobUpload } from '../blob-uploads.ts';
import { requireMember } from './membership.ts';

const fromHex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));

function written(conn: Connection, ref: number, id: Uint8Array, received: number, stored: boolean): void {
  conn.send({ type: FrameType.BlobWritten, ref, id, received, stored });
}

function quotaRefusal(ctx: RelayContext, conn: Connection, ref: number, size: number): boolean {
  const workspace = conn.identity!.workspace;
  const usage = ctx.usage.peek(workspace);
  if (ctx.usage.exceeds(usage, { bytes: size }) !== 'bytes') return false;
  conn.error('E_QUOTA_EXCEEDED', { ref, detail: `a blob of ${size} bytes does not fit: a workspace stores at most ${ctx.limits.maxStoredBytesPerWorkspace} bytes` });
  return true;
}

export async function handleBlobWrite(ctx: RelayContext, conn: Connection, f: BlobWriteFrame): Promise<void> {
  if (!(await requireMember(ctx, conn, { ref: f.ref, what: 'storing a blob' }))) return;
  const { workspace } = conn.identity!;
  const id = hexOf(f.id);
  let upload: BlobUpload | undefined = ctx.blobUploads.get(conn, id);
  if (upload && (upload.kind !== f.kind || upload.size !== f.size)) {
    ctx.blobUploads.drop(conn, id);
    conn.error('E_BAD_INPUT', { ref: f.ref, detail: 'kind and size must stay the same in every part; upload again from offset 0' });
    return;
  }
  if (f.offset === 0 && upload && upload.received > 0) {
    ctx.blobUploads.drop(conn, id);
    upload = undefined;
  }
  if (f.offset !== (upload?.received ?? 0)) return written(conn, f.ref, f.id, upload?.received ?? 0, false);

  if (!upload) {
    if (f.size < 1) {
      conn.error('E_BAD_INPUT', { ref: f.ref, detail: 'a blob holds at least one byte' });
      return;
    }
    if (f.size > ctx.limits.maxStoredBlobBytes) {
      conn.error('E_BLOB_TOO_LARGE', { ref: f.ref, detail: `blob of ${f.size} bytes; at most ${ctx.limits.maxStoredBlobBytes}` });
      return;
    }
    if (await ctx.store.getStoredBlobInfo(workspace, id)) return written(conn, f.ref, f.id, f.size, true);
    await ctx.usage.current(workspace);
    if (quotaRefusal(ctx, conn, f.ref, f.size)) return;
    const started = ctx.blobUploads.start(conn, id, f.kind, f.size);
    if (started === 'too-many') {
      conn.error('E_BAD_INPUT', { ref: f.ref, detail: `at most ${ctx.limits.maxBlobUploadsPerConnection} blob uploads at once per connection` });
      return;
    }
    upload = started;
  }

  if (upload.received + f.data.length > upload.size) {
    ctx.blobUploads.drop(conn, id);
    conn.error('E_BAD_INPUT', { ref: f.ref, detail: `parts run past the blob's size of ${upload.size} bytes; upload again from offset 0` });
    return;
  }
  if (!ctx.blobUploads.add(upload, f.data)) {
    conn.error('E_RATE_LIMITED', { ref: f.ref, retryAfterMs: 1000, detail: 'the relay holds its maximum of unfinished uploads; send this part again later' });
    return;
  }
  if (upload.received < upload.size) return written(conn, f.ref, f.id, upload.received, false);

  ctx.blobUploads.drop(conn, id);
  const data = joinParts(upload);
  if (!bytesEqual(new Uint8Array(upload.hash.digest()), f.id)) {
    conn.error('E_BLOB_HASH', { ref: f.ref, detail: `the ${data.length} bytes hash to ${createHash('sha256').update(data).digest('hex').slice(0, 12)}..., not to the id` });
    return;
  }
  // Checked again at the end: other uploads may have filled the workspace meanwhile.
  if (quotaRefusal(ctx, conn, f.ref, upload.size)) return;
  const info = { id, kind: upload.kind, size: upload.size, storedAt: ctx.clock.now(), owner: conn.identity!.deviceKey };
  const result = await ctx.track(ctx.store.putStoredBlob(workspace, info, data));
  if (result === 'stored') ctx.usage.add(workspace, { bytes: upload.size });
  written(conn, f.ref, f.id, upload.size, true);
}

export async function handleBlobRead(ctx: RelayContext, conn: Connection, f: BlobReadFrame): Promise<void> {
  if (!(await requireMember(ctx, conn, { ref: f.ref, what: 'reading a blob' }))) return;
  const { workspace } = conn.identity!;
  const id = hexOf(f.id);
  const info = await ctx.store.getStoredBlobInfo(workspace, id);
  if (!info) {
    conn.error('E_BLOB_NOT_FOUND', { ref: f.ref });
    return;
  }
  if (f.offset > info.size) {
    conn.error('E_BAD_INPUT', { ref: f.ref, detail: `offset ${f.offset} is past the blob's ${info.size} bytes` });
    return;
  }
  // Room for the frame's other fields (at most ~60 bytes) under the frame cap.
  const length = Math.min(f.length, Math.max(1, ctx.limits.maxFrameBytes - 1024), info.size - f.offset);
  const data = await ctx.store.readStoredBlob(workspace, id, f.offset, length);
  if (!data) {
    conn.error('E_BLOB_NOT_FOUND', { ref: f.ref });
    return;
  }
  conn.send({ type: FrameType.BlobData, ref: f.ref, id: f.id, kind: info.kind, size: info.size, storedAt: info.storedAt, offset: f.offset, data });
}

export async function handleBlobHas(ctx: RelayContext, conn: Connection, f: BlobHasFrame): Promise<void> {
  if (!(await requireMember(ctx, conn, { ref: f.ref, what: 'asking for blobs' }))) return;
  const present = await ctx.store.hasStoredBlobs(conn.identity!.workspace, f.ids.map(hexOf));
  conn.send({ type: FrameType.BlobHave, ref: f.ref, present });
}

export async function handleBlobList(ctx: RelayContext, conn: Connection, f: BlobListFrame): Promise<void> {
  if (!(await requireMember(ctx, conn, { ref: f.ref, what: 'listing blobs' }))) return;
  const limit = Math.min(Math.max(1, f.limit), MAX_BLOB_LIST_ITEMS);
  const page = await ctx.store.listStoredBlobs(conn.identity!.workspace, f.kind, f.after.length === 0 ? '' : hexOf(f.after), limit + 1);
  const items = page.slice(0, limit).map((i) => ({ id: fromHex(i.id), size: i.size, storedAt: i.storedAt }));
  conn.send({ type: FrameType.BlobListing, ref: f.ref, items, more: page.length > limit });
}

export async function handleBlobDelete(ctx: RelayContext, conn: Connection, f: BlobDeleteFrame): Promise<void> {
  if (!(await requireMember(ctx, conn, { ref: f.ref, what: 'deleting a blob' }))) return;
  const { workspace, deviceKey } = conn.identity!;
  const id = hexOf(f.id);
  const info = await ctx.store.getStoredBlobInfo(workspace, id);
  if (!info) return void conn.send({ type: FrameType.BlobDeleted, ref: f.ref, id: f.id, existed: false });
  const record = await ctx.store.getWorkspace(workspace);
  const admin = record?.admins.some((k) => bytesEqual(k, deviceKey)) ?? false;
  if (!admin && !bytesEqual(info.owner, deviceKey)) {
    conn.error('E_FORBIDDEN', { ref: f.ref, detail: 'only an admin device or the device that stored a blob may delete it' });
    return;
  }
  const existed = await ctx.track(ctx.store.deleteStoredBlob(workspace, id));
  if (existed) ctx.usage.add(workspace, { bytes: -info.size });
  conn.send({ type: FrameType.BlobDeleted, ref: f.ref, id: f.id, existed });
}
