/**
 * The gateway's side of file transfers for one session: a writer's signed
 * request (signatures.ts) opens an upload into or a download out of the
 * session's working directory (terminal/file-transfer.ts: confined paths,
 * 20 MB, temp file put in place only when complete). Chunks travel in the
 * session's encrypted Stream frames through chunk-window.ts; an upload is
 * put in place only if its bytes hash to the SHA-256 the writer signed, and a
 * download ends with the file's size and SHA-256 signed by the gateway, so
 * neither the relay nor a read-only member holding the session key can alter
 * a file unnoticed. A list request gets the folder's listing the same way, as
 * the bytes of a download (terminal/folder-list.ts confines it likewise).
 * Requests are refused from devices that may not type, for another session,
 * far from the gateway's clock, or with a transfer id the device used before
 * (kept in `used`, which the gateway persists, so a restart does not make an
 * old request new again). A transfer idle for `idleMs` is cancelled.
 */
import { createHash, type Hash } from 'node:crypto';
import type { CryptoProvider, DeviceIdentity } from '@tendril/crdt-schema/crypto';
import { isTendrilError } from '@tendril/crdt-schema/errors';
import type { DeviceId, SessionId } from '@tendril/crdt-schema/ids';
import { openDownload, startUpload, TRANSFER_CHUNK_BYTES, type Download, type Upload } from '../terminal/file-transfer.ts';
import { listFolder } from '../terminal/folder-list.ts';
import { ChunkReceiver, ChunkSender } from './chunk-window.ts';
import { encodeListing } from './folder-listing.ts';
import { openFileRequest, signFileDone, type FileRequest } from './signatures.ts';
import { TermTag, type TermMessage } from './term-messages.ts';
import { memoryUsedTransfers, type UsedTransferStore } from './used-transfers.ts';
import type { GatewayLog } from './gateway-log.ts';

export interface FileServiceOptions {
  readonly crypto: CryptoProvider;
  /** The gateway's identity: it signs completed transfers. */
  readonly identity: DeviceIdentity;
  readonly session: SessionId;
  /** The session's working directory. */
  readonly root: () => string;
  /** Devices allowed to type (and so to move files). */
  readonly writers: () => readonly DeviceId[];
  readonly send: (m: TermMessage, to: DeviceId) => void;
  readonly log?: GatewayLog;
  readonly now?: () => number;
  readonly idleMs?: number;
  /** How far a request's time may be from the gateway's clock. */
  readonly clockSkewMs?: number;
  /** How long without an ack before download chunks are sent again (chunk-window.ts). */
  readonly stallMs?: number;
  /** Transfer ids already used; persist it so they stay used across gateway restarts. */
  readonly used?: UsedTransferStore;
}

interface Transfer {
  readonly request: FileRequest;
  lastActivity: number;
  chunk?(index: number, bytes: Uint8Array): void;
  ack?(next: number): void;
  cancel(): Promise<void>;
}

const FILE_TAGS: ReadonlySet<number> = new Set([TermTag.FileOffer, TermTag.FileChunk, TermTag.FileAck, TermTag.FileCancel]);

const describe = (e: unknown): string => (isTendrilError(e) ? `${e.code}: ${e.message}` : `E_STORE_FAILED: ${e instanceof Error ? e.message : String(e)}`);

export class FileService {
  private readonly transfers = new Map<string, Transfer>();
  private readonly used: UsedTransferStore;
  private readonly sweep: ReturnType<typeof setInterval>;

  constructor(private readonly o: FileServiceOptions) {
    this.used = o.used ?? memoryUsedTransfers();
    const idle = o.idleMs ?? 60_000;
    this.sweep = setInterval(() => {
      const now = this.now();
      this.pruneUsed(now);
      for (const [key, t] of this.transfers) if (now - t.lastActivity > idle) void this.end(key, t, `E_TIMEOUT: no activity for ${idle / 1000} s`);
    }, Math.min(idle, 10_000));
    this.sweep.unref?.();
  }

  /** Takes a file message from `from`; false for messages that are not about files. */
  handle(from: DeviceId, m: TermMessage): boolean {
    if (!FILE_TAGS.has(m.t)) return false;
    if (m.t === TermTag.FileOffer) {
      void this.offer(from, m.id, m.request);
      return true;
    }
    const key = `${from}:${(m as { id: number }).id}`;
    const t = this.transfers.get(key);
    if (!t) return true;
    t.lastActivity = this.now();
    if (m.t === TermTag.FileChunk) t.chunk?.(m.index, m.bytes);
    else if (m.t === TermTag.FileAck) t.ack?.(m.next);
    else if (m.t === TermTag.FileCancel) void this.end(key, t, null);
    return true;
  }

  /** Cancels every transfer (the session ended). */
  async close(): Promise<void> {
    clearInterval(this.sweep);
    for (const [key, t] of this.transfers) await this.end(key, t, 'E_SESSION_ENDED: the session ended');
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  private get skewMs(): number {
    return this.o.clockSkewMs ?? 10 * 60_000;
  }

  /** Ids of requests older than twice the clock window are refused by age before their id is looked up. */
  private pruneUsed(now: number): void {
    try {
      this.used.prune(now - 2 * this.skewMs);
    } catch (e) {
      this.o.log?.(`session ${this.o.session}: could not prune used transfer ids (${describe(e)})`);
    }
  }

  private refuse(to: DeviceId, id: number, why: string): void {
    this.o.log?.(`session ${this.o.session}: file transfer ${id} from ${to} refused (${why})`, { session: this.o.session, device: to });
    this.o.send({ t: TermTag.FileDone, id, ok: false, message: why, size: 0, sha256: new Uint8Array(0), signature: new Uint8Array(0) }, to);
  }

  private async offer(from: DeviceId, id: number, bytes: Uint8Array): Promise<void> {
    const r = openFileRequest(this.o.crypto, bytes);
    if (!r || r.device !== from || r.id !== id) return this.refuse(from, id, 'E_BAD_SIGNATURE: the request is not signed by the sending device');
    if (r.session !== this.o.session) return this.refuse(from, id, 'E_BAD_INPUT: the request names another session');
    if (!this.o.writers().includes(r.device)) return this.refuse(from, id, 'E_FORBIDDEN: only devices allowed to type can move files');
    if (Math.abs(this.now() - r.at) > this.skewMs) return this.refuse(from, id, 'E_REPLAY: the request is too old (or the clocks differ)');
    let fresh: boolean;
    try {
      fresh = this.used.claim(this.o.session, r.device, r.id, r.at);
    } catch (e) {
      return this.refuse(from, id, describe(e));
    }
    if (!fresh) return this.refuse(from, id, 'E_REPLAY: this transfer id was used before');
    try {
      if (r.kind === 'upload') await this.startUpload(r);
      else if (r.kind === 'list') await this.startList(r);
      else await this.startDownload(r);
    } catch (e) {
      this.refuse(from, id, describe(e));
    }
  }

  private async startUpload(r: FileRequest): Promise<void> {
    if (r.sha256.length !== 32) throw new Error('an upload names the SHA-256 of its bytes');
    const upload: Upload = await startUpload(this.o.root(), { path: r.path, size: r.size, overwrite: r.overwrite });
    const key = `${r.device}:${r.id}`;
    const hash: Hash = createHash('sha256');
    const total = Math.ceil(r.size / TRANSFER_CHUNK_BYTES);
    const finish = async (): Promise<void> => {
      const digest = new Uint8Array(hash.digest());
      if (!digest.every((b, i) => b === r.sha256[i])) {
        await upload.cancel();
        return this.finish(key, t, false, 'E_BAD_SIGNATURE: the received bytes do not match the signed SHA-256; nothing was written', 0, new Uint8Array(0));
      }
      const done = await upload.finish();
      this.o.log?.(`session ${this.o.session}: ${r.device} uploaded ${r.path} (${done.bytes} bytes)`, { session: this.o.session, device: r.device });
      this.finish(key, t, true, '', done.bytes, digest);
    };
    const receiver = new ChunkReceiver({
      total,
      accept: async (bytes, index) => {
        await upload.write(bytes);
        hash.update(bytes);
        if (index === total - 1) await finish();
      },
      ack: (next) => this.o.send({ t: TermTag.FileAck, id: r.id, next }, r.device),
      onFail: (e) => this.finish(key, t, false, describe(e), 0, new Uint8Array(0)),
    });
    const t: Transfer = { request: r, lastActivity: this.now(), chunk: (i, b) => receiver.take(i, b), cancel: () => upload.cancel() };
    this.transfers.set(key, t);
    this.o.send({ t: TermTag.FileAccept, id: r.id, size: r.size }, r.device);
    if (total === 0) await finish();
  }

  private async startDownload(r: FileRequest): Promise<void> {
    this.stream(r, await openDownload(this.o.root(), { path: r.path }));
  }

  /** A folder's listing (terminal/folder-list.ts), sent as the bytes of a download. */
  private async startList(r: FileRequest): Promise<void> {
    const bytes = encodeListing(await listFolder(this.o.root(), r.path));
    let at = 0;
    this.stream(r, {
      size: bytes.length,
      next: () => {
        if (at >= bytes.length) return Promise.resolve(undefined);
        const chunk = bytes.subarray(at, at + TRANSFER_CHUNK_BYTES);
        at += chunk.length;
        return Promise.resolve(chunk);
      },
      cancel: () => Promise.resolve(),
    });
  }

  /** Sends `download`'s bytes in acknowledged chunks, then its size and SHA-256 signed. */
  private stream(r: FileRequest, download: Pick<Download, 'size' | 'next' | 'cancel'>): void {
    const key = `${r.device}:${r.id}`;
    const hash: Hash = createHash('sha256');
    const sender = new ChunkSender({
      total: Math.ceil(download.size / TRANSFER_CHUNK_BYTES),
      read: async () => {
        const bytes = await download.next();
        if (!bytes) throw new Error(`${r.path} ended early`);
        hash.update(bytes);
        return bytes;
      },
      send: (index, bytes) => this.o.send({ t: TermTag.FileChunk, id: r.id, index, bytes }, r.device),
      onFail: (e) => void download.cancel().then(() => this.finish(key, t, false, describe(e), 0, new Uint8Array(0))),
      ...(this.o.stallMs ? { stallMs: this.o.stallMs } : {}),
      onDone: () => {
        void download.cancel();
        this.finish(key, t, true, '', download.size, new Uint8Array(hash.digest()));
      },
    });
    const t: Transfer = { request: r, lastActivity: this.now(), ack: (next) => sender.ack(next), cancel: async () => { sender.stop(); await download.cancel(); } };
    this.transfers.set(key, t);
    this.o.send({ t: TermTag.FileAccept, id: r.id, size: download.size }, r.device);
    sender.start();
  }

  private finish(key: string, t: Transfer, ok: boolean, message: string, size: number, sha256: Uint8Array): void {
    if (this.transfers.get(key) !== t) return;
    this.transfers.delete(key);
    const r = t.request;
    const signature = ok ? signFileDone(this.o.crypto, this.o.identity, this.o.session, r.id, size, sha256) : new Uint8Array(0);
    if (!ok) this.o.log?.(`session ${this.o.session}: ${r.kind} of ${r.path} by ${r.device} failed (${message})`, { session: this.o.session, device: r.device });
    this.o.send({ t: TermTag.FileDone, id: r.id, ok, message, size, sha256, signature }, r.device);
  }

  /** Stops a transfer: cancelled by its device (no answer), or failed with `why` (told to the device). */
  private async end(key: string, t: Transfer, why: string | null): Promise<void> {
    if (this.transfers.get(key) !== t) return;
    await t.cancel().catch(() => undefined);
    if (why) this.finish(key, t, false, why, 0, new Uint8Array(0));
    else {
      this.transfers.delete(key);
      this.o.log?.(`session ${this.o.session}: ${t.request.kind} of ${t.request.path} cancelled by ${t.request.device}`, { session: this.o.session, device: t.request.device });
    }
  }
}
