/** Transfers stay inside the working directory: no absolute paths, no .., no symlink escapes. */
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDownload, startUpload } from './file-transfer.ts';
import { tempDir } from './test-support.ts';

async function upload(root: string, path: string, text: string, options: { createDirs?: boolean; overwrite?: boolean } = {}): Promise<string> {
  const data = new TextEncoder().encode(text);
  const u = await startUpload(root, { path, size: data.length, ...options });
  await u.write(data);
  return (await u.finish()).path;
}

describe('transfer paths', () => {
  it('rejects absolute paths, .. segments, backslashes and NUL', async () => {
    const root = await tempDir();
    for (const path of ['/etc/passwd', '../x', 'a/../../x', 'a/..', 'C:/x', 'a\\..\\x', 'a\0b']) {
      await expect(startUpload(root, { path, size: 1 })).rejects.toMatchObject({ code: 'E_PATH_OUTSIDE' });
      await expect(openDownload(root, { path })).rejects.toMatchObject({ code: 'E_PATH_OUTSIDE' });
    }
  });

  it('refuses to write through a directory link that points outside', async () => {
    const root = await tempDir();
    const outside = await tempDir();
    await symlink(outside, join(root, 'out'));
    await expect(startUpload(root, { path: 'out/x.txt', size: 1 })).rejects.toMatchObject({ code: 'E_PATH_OUTSIDE' });
    await expect(startUpload(root, { path: 'out/new/x.txt', size: 1, createDirs: true })).rejects.toMatchObject({ code: 'E_PATH_OUTSIDE' });
  });

  it('refuses to read a file link that points outside', async () => {
    const root = await tempDir();
    const outside = await tempDir();
    await writeFile(join(outside, 'secret'), 'secret');
    await symlink(join(outside, 'secret'), join(root, 'leak'));
    await expect(openDownload(root, { path: 'leak' })).rejects.toMatchObject({ code: 'E_PATH_OUTSIDE' });
  });

  it('follows links that stay inside the working directory', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'real'));
    await symlink(join(root, 'real'), join(root, 'alias'));
    await upload(root, 'alias/a.txt', 'inside');
    expect(await readFile(join(root, 'real', 'a.txt'), 'utf8')).toBe('inside');
    const d = await openDownload(root, { path: 'alias/a.txt' });
    expect(Buffer.from((await d.next())!).toString()).toBe('inside');
    await d.cancel();
  });

  it('creates missing directories only when asked', async () => {
    const root = await tempDir();
    await expect(startUpload(root, { path: 'a/b/c.txt', size: 1 })).rejects.toMatchObject({ code: 'E_BAD_INPUT' });
    await upload(root, 'a/b/c.txt', 'x', { createDirs: true });
    expect(await readFile(join(root, 'a', 'b', 'c.txt'), 'utf8')).toBe('x');
  });

  it('does not overwrite unless asked, and never through a link', async () => {
    const root = await tempDir();
    await upload(root, 'f.txt', 'one');
    await expect(startUpload(root, { path: 'f.txt', size: 3 })).rejects.toMatchObject({ code: 'E_FILE_EXISTS' });
    await upload(root, 'f.txt', 'two', { overwrite: true });
    expect(await readFile(join(root, 'f.txt'), 'utf8')).toBe('two');
    await symlink(join(root, 'f.txt'), join(root, 'l.txt'));
    await expect(startUpload(root, { path: 'l.txt', size: 1, overwrite: true })).rejects.toMatchObject({ code: 'E_BAD_INPUT' });
  });
});
