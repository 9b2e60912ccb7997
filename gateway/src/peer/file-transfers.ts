/**
 * A device's side of file transfers with a session's gateway (browser-safe:
 * WebCrypto SHA-256, no Node modules). `upload` signs a request naming the
 * path, size and SHA-256 of the bytes and sends them in chunks; `download`
 * asks for a file, takes its chunks in order and checks the size and SHA-256
 * the gateway signed at the end; `list` asks for a folder's listing, which
 * comes back the same way as a download. All report progress, honour an AbortSignal
 * (the gateway is told and removes a partial upload) and fail with the
 * gateway's error code when it refuses.
 */
import type { CryptoProvider, DeviceIdentity } from '@tendril/crdt-schema/crypto';
import { TendrilError, type ErrorCode } from '@tendril/crdt-schema/errors';
import type { DeviceId, SessionId } from '@tendril/crdt-schema/ids';
import { ChunkReceiver, ChunkSender } from './chunk-window.ts';
import { decodeListing, type FolderListing } from './folder-listing.ts';
import { signFileRequest, verifyFileDone, type FileRequest } from './signatures.ts';
import { TermTag, type TermMessage } from './term-messages.ts';

/** Chunk size of uploads (the gateway's limit per chunk; see terminal/file-transfer.ts). */
export const FILE_CHUNK_BYTES = 64 * 1024;
export const MAX_FILE_BYTES = 20 * 1024 * 1024;

export interface TransferOptions {
  readonly onProgress?: (transferred: number, total: number) => void;
  readonly signal?: AbortSignal;
  /** How long to wait for the gateway to accept the request. */
  readonly acceptTimeoutMs?: number;
}

export interface FileTransfersOptions {
  readonly crypto: CryptoProvider;
  readonly identity: DeviceIdentity;
  readonly session: SessionId;
  readonly gateway: DeviceId;
  /** Sends a message to the gateway. */
  readonly send: (m: TermMessage) => void;
  readonly now?: () => number;
  /** How long without an ack before chunks are sent again (chunk-window.ts). */
  readonly stallMs?: number;
}

type FileReply = Extract<TermMessage, { t: typeof TermTag.FileAccept | typeof TermTag.FileChunk | typeof TermTag.FileAck | typeof TermTag.FileDone }>;

interface Pending {
  on(m: FileReply): void;
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

function failure(message: string): TendrilError {
  const m = /^(E_[A-Z_]+): (.*)$/s.exec(message);
  return m ? new TendrilError(m[1] as ErrorCode, m[2]!) : new TendrilError('E_BAD_INPUT', message || 'the gateway refused the transfer');
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

export class FileTransfers {
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly o: FileTransfersOptions) {}

  /** Takes a message from the gateway; false for messages that are not about files. */
  handle(m: TermMessage): boolean {
    if (m.t !== TermTag.FileAccept && m.t !== TermTag.FileChunk && m.t !== TermTag.FileAck && m.t !== TermTag.FileDone) return false;
    this.pending.get(m.id)?.on(m);
    return true;
  }

  /** Writes `bytes` to `path` (relative to the session's working directory); resolves with the byte count. */
  async upload(path: string, bytes: Uint8Array, o: TransferOptions & { overwrite?: boolean } = {}): Promise<number> {
    if (bytes.length > MAX_FILE_BYTES) throw new TendrilError('E_FILE_TOO_LARGE', `the file is ${bytes.length} bytes; the limit is ${MAX_FILE_BYTES}`);
    const digest = await sha256(bytes);
    const total = Math.ceil(bytes.length / FILE_CHUNK_BYTES);
    let index = 0;
    return this.run('upload', path, { size: bytes.length, sha256: digest, overwrite: o.overwrite === true }, o, (id, settle) => {
      const sender = new ChunkSender({
        total,
        read: async () => bytes.subarray(index * FILE_CHUNK_BYTES, ++index * FILE_CHUNK_BYTES),
        send: (i, chunk) => this.o.send({ t: TermTag.FileChunk, id, index: i, bytes: chunk }),
        onFail: (e) => settle.reject(new TendrilError('E_TIMEOUT', `the gateway stopped acknowledging the upload (${e instanceof Error ? e.message : String(e)})`)),
        onProgress: (acked) => o.onProgress?.(Math.min(bytes.length, acked * FILE_CHUNK_BYTES), bytes.length),
        ...(this.o.stallMs ? { stallMs: this.o.stallMs } : {}),
      });
      return {
        accepted: () => sender.start(),
        ack: (next) => sender.ack(next),
        done: (m) => {
          sender.stop();
          if (m.size !== bytes.length || !sameBytes(m.sha256, digest)) return settle.reject(new TendrilError('E_BAD_SIGNATURE', 'the gateway confirmed other bytes than were sent'));
          o.onProgress?.(bytes.length, bytes.length);
          settle.resolve(bytes.length);
        },
        stop: () => sender.stop(),
      };
    });
  }

  /** Lists a folder of the session's working directory ('' for the directory itself), signed like a download. */
  async list(path = '', o: TransferOptions = {}): Promise<FolderListing> {
    return decodeListing(await this.fetch('list', path, o));
  }

  /** Reads `path` from the session's working directory. */
  download(path: string, o: TransferOptions = {}): Promise<Uint8Array> {
    return this.fetch('download', path, o);
  }

  private async fetch(kind: 'download' | 'list', path: string, o: TransferOptions): Promise<Uint8Array> {
    return this.run(kind, path, { size: 0, sha256: new Uint8Array(0), overwrite: false }, o, (id, settle) => {
      let out = new Uint8Array(0);
      let size = 0;
      let receiver: ChunkReceiver | null = null;
      return {
        accepted: (m) => {
          size = m.size;
          out = new Uint8Array(size);
          receiver = new ChunkReceiver({
            total: Math.ceil(size / FILE_CHUNK_BYTES),
            accept: (bytes, index) => {
              if (index * FILE_CHUNK_BYTES + bytes.length > size) throw new TendrilError('E_BAD_INPUT', 'the gateway sent more bytes than the file has');
              out.set(bytes, index * FILE_CHUNK_BYTES);
              o.onProgress?.(Math.min(size, (index + 1) * FILE_CHUNK_BYTES), size);
            },
            ack: (next) => this.o.send({ t: TermTag.FileAck, id, next }),
            onFail: (e) => settle.reject(e),
          });
          o.onProgress?.(0, size);
        },
        chunk: (m) => receiver?.take(m.index, m.bytes),
        done: async (m) => {
          const signed = verifyFileDone(this.o.crypto, this.o.gateway, this.o.session, id, m.size, m.sha256, m.signature);
          if (!signed || m.size !== size) return settle.reject(new TendrilError('E_BAD_SIGNATURE', 'the download is not confirmed by the gateway'));
          if (!sameBytes(await sha256(out), m.sha256)) return settle.reject(new TendrilError('E_BAD_SIGNATURE', 'the downloaded bytes do not match what the gateway signed'));
          settle.resolve(out);
        },
        stop: () => undefined,
      };
    });
  }

  /** One transfer's life: signed offer, accept (or refusal), the kind's chunk flow, and the gateway's done; cancel on abort. */
  private run<T>(
    kind: FileRequest['kind'],
    path: string,
    what: { size: number; sha256: Uint8Array; overwrite: boolean },
    o: TransferOptions,
    flow: (id: number, settle: { resolve(v: T): void; reject(e: unknown): void }) => {
      accepted(m: Extract<FileReply, { t: typeof TermTag.FileAccept }>): void;
      ack?(next: number): void;
      chunk?(m: Extract<FileReply, { t: typeof TermTag.FileChunk }>): void;
      done(m: Extract<FileReply, { t: typeof TermTag.FileDone }>): void | Promise<void>;
      stop(): void;
    },
  ): Promise<T> {
    if (o.signal?.aborted) return Promise.reject(new TendrilError('E_TRANSFER_CANCELLED', 'the transfer was cancelled'));
    const id = globalThis.crypto.getRandomValues(new Uint32Array(1))[0]! >>> 1;
    return new Promise<T>((resolve, reject) => {
      let accepted = false;
      const cleanup = () => {
        this.pending.delete(id);
        clearTimeout(acceptTimer);
        o.signal?.removeEventListener('abort', onAbort);
        handlers.stop();
      };
      const settle = {
        resolve: (v: T) => (cleanup(), resolve(v)),
        reject: (e: unknown) => (cleanup(), reject(e)),
      };
      const handlers = flow(id, settle);
      const onAbort = () => {
        this.o.send({ t: TermTag.FileCancel, id, reason: 'cancelled' });
        settle.reject(new TendrilError('E_TRANSFER_CANCELLED', 'the transfer was cancelled'));
      };
      o.signal?.addEventListener('abort', onAbort, { once: true });
      const acceptTimer = setTimeout(() => settle.reject(new TendrilError('E_TIMEOUT', 'the gateway did not answer the transfer request (is it running?)')), o.acceptTimeoutMs ?? 15_000);
      this.pending.set(id, {
        on: (m) => {
          if (m.t === TermTag.FileDone) {
            if (!m.ok) return settle.reject(failure(m.message));
            return void handlers.done(m);
          }
          if (m.t === TermTag.FileAccept && !accepted) {
            accepted = true;
            clearTimeout(acceptTimer);
            handlers.accepted(m);
          } else if (m.t === TermTag.FileAck) handlers.ack?.(m.next);
          else if (m.t === TermTag.FileChunk) handlers.chunk?.(m);
        },
      });
      const at = (this.o.now ?? Date.now)();
      const request = signFileRequest(this.o.crypto, this.o.identity, { kind, session: this.o.session, id, path, size: what.size, sha256: what.sha256, overwrite: what.overwrite, at });
      this.o.send({ t: TermTag.FileOffer, id, request });
    });
  }
}
