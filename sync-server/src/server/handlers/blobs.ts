/**
 * BlobPut and BlobTake: a one-time mailbox for sealed invite material. Blobs
 * are scoped to the connection's workspace, expire after their TTL, and are
 * deleted when taken. Both answer with a Blob frame. Only a member parks one
 * (a joiner that is not yet a member may take its invite).
 */
import { FrameType, type BlobPutFrame, type BlobTakeFrame } from '@tendril/crdt-schema/wire';
import type { Connection } from '../connection.ts';
import type { RelayContext } from '../context.ts';
import { requireMember } from './membership.ts';

const storeKey = (conn: Connection, key: string): string => `${conn.identity!.workspace}/${key}`;

export async function handleBlobPut(ctx: RelayContext, conn: Connection, f: BlobPutFrame): Promise<void> {
  if (!(await requireMember(ctx, conn, { ref: f.ref, what: 'parking a blob' }))) return;
  const { maxBlobBytes, maxBlobTtlSeconds } = ctx.limits;
  if (f.data.length > maxBlobBytes) {
    conn.error('E_BAD_INPUT', { ref: f.ref, detail: `blob of ${f.data.length} bytes; at most ${maxBlobBytes}` });
    return;
  }
  if (f.ttlSeconds < 1 || f.ttlSeconds > maxBlobTtlSeconds) {
    conn.error('E_BAD_INPUT', { ref: f.ref, detail: `ttlSeconds must be 1 to ${maxBlobTtlSeconds}` });
    return;
  }
  const workspace = conn.identity!.workspace;
  const over = ctx.usage.exceeds(await ctx.usage.current(workspace), { blobs: 1, bytes: f.data.length });
  if (over) {
    const limit = over === 'blobs' ? `${ctx.limits.maxBlobsPerWorkspace} blobs` : `${ctx.limits.maxStoredBytesPerWorkspace} bytes`;
    conn.error('E_QUOTA_EXCEEDED', { ref: f.ref, detail: `a workspace holds at most ${limit}` });
    return;
  }
  await ctx.track(ctx.store.putBlob(storeKey(conn, f.key), f.data, ctx.clock.now() + f.ttlSeconds * 1000));
  ctx.usage.add(workspace, { blobs: 1, bytes: f.data.length });
  conn.send({ type: FrameType.Blob, ref: f.ref, found: true, data: new Uint8Array(0) });
}

export async function handleBlobTake(ctx: RelayContext, conn: Connection, f: BlobTakeFrame): Promise<void> {
  const data = await ctx.track(ctx.store.takeBlob(storeKey(conn, f.key), ctx.clock.now()));
  conn.send({ type: FrameType.Blob, ref: f.ref, found: data !== undefined, data: data ?? new Uint8Array(0) });
}
