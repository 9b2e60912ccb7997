/**
 * Stored blobs over the device's relay connection: put (in parts, resuming where the relay says it
 * stands, and starting again after a reconnect), get (in parts, checked against its id, so a relay
 * cannot hand back other bytes), has (many ids per request), list (one kind, all pages) and
 * delete. Bytes given to `put` must already be sealed: the relay stores them as they are.
 */
import { TendrilError } from '../errors.ts';
import { FrameType, type BlobKind, type BlobListItem, type Frame } from '../wire/frames.ts';
import { MAX_BLOB_HAS_IDS, MAX_BLOB_LIST_ITEMS } from '../wire/limits.ts';
import { blobIdBytes, blobIdHex, blobIdOf } from './blob-id.ts';

/** What the client needs of the connection (RelayClient has it). */
export interface BlobTransport {
  request(make: (ref: number) => Frame, timeoutMs?: number): Promise<Frame>;
  /** Largest frame the relay accepts. */
  readonly frameLimit: number;
}

/** Bytes done and total, after each part. */
export type BlobProgress = (done: number, total: number) => void;

export interface BlobClientOptions {
  /** Bytes per part; default the relay's frame limit less 4 KiB for the other fields. */
  readonly partBytes?: number;
  /** Times a transfer starts again after the connection dropped (E_OFFLINE) or the relay was busy. Default 5. */
  readonly retries?: number;
}

/** One listed blob, id as hex. */
export interface ListedBlob {
  readonly id: string;
  readonly size: number;
  readonly storedAt: number;
}

const unexpected = (f: Frame, what: string): TendrilError => new TendrilError('E_FRAME_MALFORMED', `the relay answered ${what} with frame type ${f.type}`);
const retryable = (err: unknown): boolean => err instanceof TendrilError && (err.code === 'E_OFFLINE' || err.code === 'E_RATE_LIMITED' || err.code === 'E_TIMEOUT');

export class BlobClient {
  private readonly retries: number;
  /** Uploads run one at a time (the relay holds a few unfinished uploads per connection, and memory for each). */
  private uploads: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly relay: BlobTransport,
    private readonly options: BlobClientOptions = {},
  ) {
    this.retries = options.retries ?? 5;
  }

  private get partBytes(): number {
    return this.options.partBytes ?? Math.max(1024, this.relay.frameLimit - 4096);
  }

  private async again<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await run();
      } catch (err) {
        if (!retryable(err) || attempt >= this.retries) throw err;
        await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 5000)));
      }
    }
  }

  /**
   * Stores `data` (already sealed) as a blob of `kind`; resolves with its id (hex) once the relay holds
   * it all. Concurrent puts are queued and sent one after another.
   */
  put(data: Uint8Array, kind: BlobKind, onProgress?: BlobProgress): Promise<string> {
    const run = this.uploads.then(() => this.upload(data, kind, onProgress));
    this.uploads = run.catch(() => undefined);
    return run;
  }

  private async upload(data: Uint8Array, kind: BlobKind, onProgress?: BlobProgress): Promise<string> {
    if (data.length === 0) throw new TendrilError('E_BAD_INPUT', 'a blob holds at least one byte');
    const id = await blobIdOf(data);
    await this.again(async () => {
      let offset = 0;
      for (;;) {
        const part = data.subarray(offset, offset + this.partBytes);
        const answer = await this.relay.request((ref) => ({ type: FrameType.BlobWrite, ref, id, kind, size: data.length, offset, data: part }));
        if (answer.type !== FrameType.BlobWritten) throw unexpected(answer, 'BlobWrite');
        onProgress?.(answer.received, data.length);
        if (answer.stored) return;
        if (answer.received > data.length) throw new TendrilError('E_FRAME_MALFORMED', `the relay claims ${answer.received} of ${data.length} bytes`);
        offset = answer.received;
      }
    });
    return blobIdHex(id);
  }

  /** The blob's bytes, checked against its id; E_BLOB_NOT_FOUND when the relay has none. */
  async get(idHex: string, onProgress?: BlobProgress): Promise<Uint8Array> {
    const id = blobIdBytes(idHex);
    return this.again(async () => {
      const parts: Uint8Array[] = [];
      let offset = 0;
      let size = -1;
      while (size < 0 || offset < size) {
        const answer = await this.relay.request((ref) => ({ type: FrameType.BlobRead, ref, id, offset, length: this.partBytes }));
        if (answer.type !== FrameType.BlobData) throw unexpected(answer, 'BlobRead');
        if (answer.offset !== offset || (size >= 0 && answer.size !== size) || (answer.data.length === 0 && offset < answer.size)) {
          throw new TendrilError('E_FRAME_MALFORMED', 'the relay answered a blob read out of step');
        }
        size = answer.size;
        parts.push(answer.data);
        offset += answer.data.length;
        onProgress?.(offset, size);
      }
      const data = new Uint8Array(offset);
      let at = 0;
      for (const p of parts) {
        data.set(p, at);
        at += p.length;
      }
      if (blobIdHex(await blobIdOf(data)) !== idHex) throw new TendrilError('E_DECRYPT_FAILED', `the relay returned other bytes for blob ${idHex.slice(0, 12)}`);
      return data;
    });
  }

  /** Whether the relay holds each id, in order (asked in batches). */
  async has(ids: readonly string[]): Promise<boolean[]> {
    const out: boolean[] = [];
    for (let i = 0; i < ids.length; i += MAX_BLOB_HAS_IDS) {
      const batch = ids.slice(i, i + MAX_BLOB_HAS_IDS).map(blobIdBytes);
      const answer = await this.again(() => this.relay.request((ref) => ({ type: FrameType.BlobHas, ref, ids: batch })));
      if (answer.type !== FrameType.BlobHave || answer.present.length !== batch.length) throw unexpected(answer, 'BlobHas');
      out.push(...answer.present);
    }
    return out;
  }

  /** Every blob of `kind` in the workspace (ids ascending). */
  async list(kind: BlobKind): Promise<ListedBlob[]> {
    const out: ListedBlob[] = [];
    let after: Uint8Array = new Uint8Array(0);
    for (;;) {
      const from = after;
      const answer = await this.again(() => this.relay.request((ref) => ({ type: FrameType.BlobList, ref, kind, after: from, limit: MAX_BLOB_LIST_ITEMS })));
      if (answer.type !== FrameType.BlobListing) throw unexpected(answer, 'BlobList');
      out.push(...answer.items.map((i: BlobListItem) => ({ id: blobIdHex(i.id), size: i.size, storedAt: i.storedAt })));
      if (!answer.more || answer.items.length === 0) return out;
      after = answer.items[answer.items.length - 1]!.id;
    }
  }

  /** Deletes a blob (admin devices, or the device that stored it); false when there was none. */
  async delete(idHex: string): Promise<boolean> {
    const id = blobIdBytes(idHex);
    const answer = await this.again(() => this.relay.request((ref) => ({ type: FrameType.BlobDelete, ref, id })));
    if (answer.type !== FrameType.BlobDeleted) throw unexpected(answer, 'BlobDelete');
    return answer.existed;
  }
}
