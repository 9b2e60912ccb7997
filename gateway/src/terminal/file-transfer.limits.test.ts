/** Transfer sizes, chunking, progress and cancellation. */
import { readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_TRANSFER_BYTES, openDownload, startUpload, TRANSFER_CHUNK_BYTES, type TransferProgress } from './file-transfer.ts';
import { MAX_FILE_BYTES } from '../peer/file-transfers.ts';
import { tempDir } from './test-support.ts';

/**
 * The documented cap (README `term upload`, E_FILE_TOO_LARGE in docs/ERRORS.md): 20 MB. Written out here,
 * not read from the constant, so raising the constant fails this test until the contract changes too.
 */
const DOCUMENTED_CAP = 20 * 1024 * 1024;

describe('transfer limits', () => {
  it('holds the documented 20 MB cap on both sides: exactly the cap passes, one byte more is refused', async () => {
    expect(MAX_TRANSFER_BYTES).toBe(DOCUMENTED_CAP);
    expect(MAX_FILE_BYTES).toBe(DOCUMENTED_CAP);
    const root = await tempDir();
    await expect(startUpload(root, { path: 'over', size: DOCUMENTED_CAP + 1 })).rejects.toMatchObject({ code: 'E_FILE_TOO_LARGE' });
    const at = await startUpload(root, { path: 'at', size: DOCUMENTED_CAP });
    await at.cancel();
    await writeFile(join(root, 'big'), '');
    await truncate(join(root, 'big'), DOCUMENTED_CAP + 1);
    await expect(openDownload(root, { path: 'big' })).rejects.toMatchObject({ code: 'E_FILE_TOO_LARGE' });
    await truncate(join(root, 'big'), DOCUMENTED_CAP);
    await (await openDownload(root, { path: 'big' })).cancel();
  });

  it('refuses an upload declared above 20 MB before writing anything', async () => {
    const root = await tempDir();
    await expect(startUpload(root, { path: 'big', size: MAX_TRANSFER_BYTES + 1 })).rejects.toMatchObject({ code: 'E_FILE_TOO_LARGE' });
    expect(await readdir(root)).toEqual([]);
  });

  it('refuses to download a file above 20 MB', async () => {
    const root = await tempDir();
    await writeFile(join(root, 'big'), '');
    await truncate(join(root, 'big'), MAX_TRANSFER_BYTES + 1);
    await expect(openDownload(root, { path: 'big' })).rejects.toMatchObject({ code: 'E_FILE_TOO_LARGE' });
  });

  it('uploads in 64 KiB chunks with progress, into a temp file renamed at the end', async () => {
    const root = await tempDir();
    const data = new Uint8Array(3 * TRANSFER_CHUNK_BYTES + 100).map((_, i) => i & 0xff);
    const u = await startUpload(root, { path: 'f.bin', size: data.length });
    const progress: TransferProgress[] = [];
    u.on('progress', (p) => progress.push(p));
    for (let at = 0; at < data.length; at += TRANSFER_CHUNK_BYTES) {
      await u.write(data.subarray(at, at + TRANSFER_CHUNK_BYTES));
      expect(await readdir(root)).not.toContain('f.bin');
    }
    await u.finish();
    expect(new Uint8Array(await readFile(join(root, 'f.bin')))).toEqual(data);
    expect(await readdir(root)).toEqual(['f.bin']);
    expect(progress.map((p) => p.transferred)).toEqual([65536, 131072, 196608, 196708, 196708]);
    expect(progress.at(-1)).toEqual({ transferred: data.length, total: data.length, done: true });
  });

  it('refuses oversized chunks, extra bytes and an early finish', async () => {
    const root = await tempDir();
    const u = await startUpload(root, { path: 'f', size: 10 });
    await expect(u.write(new Uint8Array(TRANSFER_CHUNK_BYTES + 1))).rejects.toMatchObject({ code: 'E_BAD_INPUT' });
    await u.write(new Uint8Array(6));
    await expect(u.finish()).rejects.toMatchObject({ code: 'E_BAD_INPUT' });
    await expect(u.write(new Uint8Array(6))).rejects.toThrow(/more bytes than the declared/);
    expect(await readdir(root)).toEqual([]);
  });

  it('removes the partial file when an upload is cancelled', async () => {
    const root = await tempDir();
    const u = await startUpload(root, { path: 'f', size: 100 });
    await u.write(new Uint8Array(50));
    await u.cancel();
    expect(await readdir(root)).toEqual([]);
    await expect(u.write(new Uint8Array(1))).rejects.toMatchObject({ code: 'E_TRANSFER_CANCELLED' });
  });

  it('downloads in chunks with progress, and stops when cancelled', async () => {
    const root = await tempDir();
    const data = new Uint8Array(2 * TRANSFER_CHUNK_BYTES + 7).map((_, i) => (i * 7) & 0xff);
    await writeFile(join(root, 'f'), data);
    const whole = await openDownload(root, { path: 'f' });
    const chunks: Uint8Array[] = [];
    for await (const c of whole) chunks.push(c);
    expect(chunks.map((c) => c.length)).toEqual([65536, 65536, 7]);
    expect(new Uint8Array(Buffer.concat(chunks))).toEqual(data);
    expect(whole.progress).toEqual({ transferred: data.length, total: data.length, done: true });

    const cut = await openDownload(root, { path: 'f' });
    await cut.next();
    await cut.cancel();
    await expect(cut.next()).rejects.toMatchObject({ code: 'E_TRANSFER_CANCELLED' });
    expect(cut.progress.transferred).toBe(TRANSFER_CHUNK_BYTES);
  });
});
