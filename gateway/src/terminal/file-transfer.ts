/**
 * File transfer into and out of a session's working directory, in chunks of
 * bytes (the sync layer seals each chunk; nothing here knows about keys).
 * Files are limited to 20 MB; paths are confined to the working directory
 * (safe-path.ts); uploads land in a temp file that is put in place only when
 * complete (file-upload.ts); downloads read from one open handle
 * (file-download.ts). Both report progress and can be cancelled.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TendrilError } from '@tendril/crdt-schema/errors';
import { Download } from './file-download.ts';
import { Upload } from './file-upload.ts';
import { confine, isInside } from './safe-path.ts';

export { Download } from './file-download.ts';
export { Upload } from './file-upload.ts';

export const MAX_TRANSFER_BYTES = 20 * 1024 * 1024;
export const TRANSFER_CHUNK_BYTES = 64 * 1024;

export interface TransferProgress {
  readonly transferred: number;
  readonly total: number;
  /** The file is complete (in place, or fully read). */
  readonly done: boolean;
}

export interface UploadRequest {
  /** Relative to the working directory. */
  readonly path: string;
  /** Declared size; the upload completes only with exactly this many bytes. */
  readonly size: number;
  readonly overwrite?: boolean;
  readonly createDirs?: boolean;
  readonly chunkBytes?: number;
  readonly maxBytes?: number;
}

function checkSize(size: number, max: number, what: string): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new TendrilError('E_BAD_INPUT', `${what} size must be a byte count`);
  if (size > max) throw new TendrilError('E_FILE_TOO_LARGE', `${what} is ${size} bytes; the limit is ${max}`);
}

export async function startUpload(root: string, request: UploadRequest): Promise<Upload> {
  checkSize(request.size, request.maxBytes ?? MAX_TRANSFER_BYTES, 'the upload');
  const { path } = await confine(root, request.path, { createDirs: request.createDirs });
  const existing = await lstat(path).catch(() => undefined);
  if (existing?.isSymbolicLink() === true || existing?.isDirectory() === true) throw new TendrilError('E_BAD_INPUT', `${request.path} is not a regular file`);
  if (existing !== undefined && request.overwrite !== true) throw new TendrilError('E_FILE_EXISTS', `${request.path} exists`);
  const tempPath = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.upload`);
  const handle = await open(tempPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  const chunkBytes = request.chunkBytes ?? TRANSFER_CHUNK_BYTES;
  return new Upload({ handle, tempPath, path, size: request.size, chunkBytes, overwrite: request.overwrite === true });
}

export async function openDownload(root: string, request: { path: string; chunkBytes?: number; maxBytes?: number }): Promise<Download> {
  const { root: rootReal, path } = await confine(root, request.path);
  const info = await lstat(path).catch(() => undefined);
  if (info === undefined) throw new TendrilError('E_BAD_INPUT', `no file ${request.path}`);
  const real = info.isSymbolicLink() ? await realpath(path) : path;
  if (!isInside(rootReal, real)) throw new TendrilError('E_PATH_OUTSIDE', `${request.path} links outside the working directory`);
  const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new TendrilError('E_BAD_INPUT', `${request.path} is not a regular file`);
    checkSize(stat.size, request.maxBytes ?? MAX_TRANSFER_BYTES, request.path);
    return new Download(handle, path, stat.size, request.chunkBytes ?? TRANSFER_CHUNK_BYTES);
  } catch (error) {
    await handle.close();
    throw error;
  }
}
