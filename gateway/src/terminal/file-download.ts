/**
 * A download in progress: the file is read in fixed-size chunks from a handle
 * opened once (so a rename or link swap after the checks changes nothing), up
 * to the size it had when opened. Cancelling closes the handle.
 */
import type { FileHandle } from 'node:fs/promises';
import { TendrilError } from '@tendril/crdt-schema/errors';
import { Emitter } from './emitter.ts';
import type { TransferProgress } from './file-transfer.ts';

export class Download extends Emitter<{ progress: TransferProgress }> {
  private sent = 0;
  private state: 'open' | 'done' | 'cancelled' = 'open';

  constructor(
    private readonly handle: FileHandle,
    readonly path: string,
    readonly size: number,
    private readonly chunkBytes: number,
  ) {
    super();
  }

  get progress(): TransferProgress {
    return { transferred: this.sent, total: this.size, done: this.state === 'done' };
  }

  /** The next chunk, or undefined once the whole file was read. */
  async next(): Promise<Uint8Array | undefined> {
    if (this.state === 'cancelled') throw new TendrilError('E_TRANSFER_CANCELLED');
    if (this.state === 'done') return undefined;
    const want = Math.min(this.chunkBytes, this.size - this.sent);
    if (want === 0) {
      await this.close('done');
      this.emit('progress', this.progress);
      return undefined;
    }
    const chunk = new Uint8Array(want);
    const { bytesRead } = await this.handle.read(chunk, 0, want, this.sent);
    if (bytesRead === 0) {
      await this.close('done');
      throw new TendrilError('E_BAD_INPUT', `${this.path} shrank during the download`);
    }
    this.sent += bytesRead;
    this.emit('progress', this.progress);
    return bytesRead === want ? chunk : chunk.subarray(0, bytesRead);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (let c = await this.next(); c !== undefined; c = await this.next()) yield c;
  }

  async cancel(): Promise<void> {
    if (this.state === 'open') await this.close('cancelled');
  }

  private async close(state: 'done' | 'cancelled'): Promise<void> {
    this.state = state;
    await this.handle.close().catch(() => undefined);
  }
}
