/**
 * Blob uploads under way: the parts received so far of each content-addressed blob a connection is
 * sending, with the running SHA-256. Held in memory until the last part (then checked and stored)
 * or the connection ends (then dropped: the client starts again from offset 0). Bounded per
 * connection and, over all connections, in bytes, so slow uploaders cannot fill the relay's heap.
 */
import { createHash, type Hash } from 'node:crypto';
import type { BlobKind } from '@tendril/crdt-schema/wire';
import type { Connection } from './connection.ts';

export interface BlobUpload {
  /** The blob id as lowercase hex. */
  readonly id: string;
  readonly kind: BlobKind;
  readonly size: number;
  received: number;
  readonly parts: Uint8Array[];
  readonly hash: Hash;
}

export class BlobUploads {
  private pendingBytes = 0;
  private readonly byConn = new Map<Connection, Map<string, BlobUpload>>();

  constructor(private readonly limits: { maxBlobUploadsPerConnection: number; maxPendingBlobBytes: number }) {}

  get(conn: Connection, id: string): BlobUpload | undefined {
    return this.byConn.get(conn)?.get(id);
  }

  /** Starts an upload (replacing one of the same id); 'too-many' when the connection has its maximum under way. */
  start(conn: Connection, id: string, kind: BlobKind, size: number): BlobUpload | 'too-many' {
    let uploads = this.byConn.get(conn);
    if (!uploads) {
      uploads = new Map();
      this.byConn.set(conn, uploads);
      void conn.closed.then(() => this.dropAll(conn));
    }
    this.drop(conn, id);
    if (uploads.size >= this.limits.maxBlobUploadsPerConnection) return 'too-many';
    const upload: BlobUpload = { id, kind, size, received: 0, parts: [], hash: createHash('sha256') };
    uploads.set(id, upload);
    return upload;
  }

  /** Adds the next part; false (nothing added) when the relay holds its maximum of pending bytes. */
  add(upload: BlobUpload, data: Uint8Array): boolean {
    if (this.pendingBytes + data.length > this.limits.maxPendingBlobBytes) return false;
    this.pendingBytes += data.length;
    upload.parts.push(data);
    upload.hash.update(data);
    upload.received += data.length;
    return true;
  }

  /** Ends an upload (stored, refused or abandoned) and frees its bytes. */
  drop(conn: Connection, id: string): void {
    const uploads = this.byConn.get(conn);
    const upload = uploads?.get(id);
    if (!upload) return;
    uploads!.delete(id);
    this.pendingBytes -= upload.received;
  }

  /** Bytes held for unfinished uploads, all connections together. */
  get bytes(): number {
    return this.pendingBytes;
  }

  private dropAll(conn: Connection): void {
    for (const id of [...(this.byConn.get(conn)?.keys() ?? [])]) this.drop(conn, id);
    this.byConn.delete(conn);
  }
}

/** The whole blob from its parts. */
export function joinParts(upload: BlobUpload): Uint8Array {
  const out = new Uint8Array(upload.received);
  let at = 0;
  for (const p of upload.parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
