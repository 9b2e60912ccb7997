/**
 * An upload in progress: chunks are written, in order, to a temporary file
 * beside the target, which becomes the target only when every declared byte
 * arrived. Without overwrite the temp file is hard-linked into place (fails
 * if the target appeared meanwhile); with overwrite it is renamed over it.
 * Cancelling, or any failure, removes the temp file.
 */
import type { FileHandle } from 'node:fs/promises';
import { link, rename, rm } from 'node:fs/promises';
import { TendrilError } from '@tendril/crdt-schema/errors';
import { Emitter } from './emitter.ts';
import type { TransferProgress } from './file-transfer.ts';

export interface UploadTarget {
  readonly handle: FileHandle;
  readonly tempPath: string;
  readonly path: string;
  readonly size: number;
  readonly chunkBytes: number;
  readonly overwrite: boolean;
}

export class Upload extends Emitter<{ progress: TransferProgress }> {
  private received = 0;
  private busy = false;
  private state: 'open' | 'done' | 'cancelled' | 'failed' = 'open';

  constructor(private readonly t: UploadTarget) {
    super();
  }

  get path(): string {
    return this.t.path;
  }
  get progress(): TransferProgress {
    return { transferred: this.received, total: this.t.size, done: this.state === 'done' };
  }

  /** Appends the next chunk; await each write before sending the next. */
  async write(chunk: Uint8Array): Promise<void> {
    this.assertOpen();
    if (this.busy) throw new TendrilError('E_BAD_INPUT', 'wait for the previous chunk before writing the next');
    if (chunk.length === 0 || chunk.length > this.t.chunkBytes) throw new TendrilError('E_BAD_INPUT', `a chunk is 1..${this.t.chunkBytes} bytes`);
    if (this.received + chunk.length > this.t.size) {
      await this.abort('failed');
      throw new TendrilError('E_BAD_INPUT', `more bytes than the declared ${this.t.size}`);
    }
    this.busy = true;
    try {
      await this.t.handle.write(chunk, 0, chunk.length, this.received);
    } catch (error) {
      await this.abort('failed');
      throw error;
    } finally {
      this.busy = false;
    }
    this.received += chunk.length;
    this.emit('progress', this.progress);
  }

  /** Puts the file in place once every declared byte arrived. */
  async finish(): Promise<{ path: string; bytes: number }> {
    this.assertOpen();
    if (this.received !== this.t.size) throw new TendrilError('E_BAD_INPUT', `received ${this.received} of ${this.t.size} bytes`);
    try {
      await this.t.handle.close();
      if (this.t.overwrite) await rename(this.t.tempPath, this.t.path);
      else await link(this.t.tempPath, this.t.path);
    } catch (error) {
      await this.abort('failed');
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new TendrilError('E_FILE_EXISTS', `${this.t.path} appeared during the upload`);
      throw error;
    }
    if (!this.t.overwrite) await rm(this.t.tempPath, { force: true });
    this.state = 'done';
    this.emit('progress', this.progress);
    return { path: this.t.path, bytes: this.received };
  }

  /** Stops the upload and removes the partial file. */
  async cancel(): Promise<void> {
    if (this.state === 'open') await this.abort('cancelled');
  }

  private assertOpen(): void {
    if (this.state === 'cancelled') throw new TendrilError('E_TRANSFER_CANCELLED');
    if (this.state !== 'open') throw new TendrilError('E_BAD_INPUT', `the upload is ${this.state}`);
  }

  private async abort(state: 'cancelled' | 'failed'): Promise<void> {
    this.state = state;
    await this.t.handle.close().catch(() => undefined);
    await rm(this.t.tempPath, { force: true });
  }
}
