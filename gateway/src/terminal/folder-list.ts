/**
 * Lists a folder inside a session's working directory for a writer's signed
 * list request: the path is confined like a transfer's (safe-path.ts: no
 * `..`, no absolute path, no directory on the way that links outside), the
 * folder itself may be a link only when it resolves inside, and entries are
 * read with lstat, so a link inside is shown as a link and never followed.
 * Directories first, then by name; at most MAX_FOLDER_ENTRIES.
 */
import { lstat, opendir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TendrilError } from '@tendril/crdt-schema/errors';
import { MAX_FOLDER_ENTRIES, type FolderEntry, type FolderListing } from '../peer/folder-listing.ts';
import { confine, isInside } from './safe-path.ts';

/** The folder `relPath` names under `root` ('' or '.' for the root itself), resolved and checked. */
async function folderOf(root: string, relPath: string): Promise<string> {
  const rootReal = await realpath(root);
  if (relPath === '' || relPath === '.') return rootReal;
  const { path } = await confine(root, relPath);
  const info = await lstat(path).catch(() => {
    throw new TendrilError('E_BAD_INPUT', `no folder ${relPath}`);
  });
  const real = info.isSymbolicLink() ? await realpath(path) : path;
  if (!isInside(rootReal, real)) throw new TendrilError('E_PATH_OUTSIDE', `${relPath} links outside the working directory`);
  if (!(await stat(real)).isDirectory()) throw new TendrilError('E_BAD_INPUT', `${relPath} is not a folder`);
  return real;
}

const kindOf = (s: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): FolderEntry['kind'] =>
  s.isSymbolicLink() ? 'link' : s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other';

export async function listFolder(root: string, relPath: string): Promise<FolderListing> {
  const dir = await folderOf(root, relPath);
  const entries: FolderEntry[] = [];
  let more = 0;
  for await (const d of await opendir(dir)) {
    if (entries.length >= MAX_FOLDER_ENTRIES) {
      more++;
      continue;
    }
    const s = await lstat(join(dir, d.name)).catch(() => null);
    if (s === null) continue;
    entries.push({ name: d.name, kind: kindOf(s), size: s.isFile() ? s.size : 0, mtime: Math.max(0, Math.round(s.mtimeMs)) });
  }
  entries.sort((a, b) => (a.kind === 'dir') !== (b.kind === 'dir') ? (a.kind === 'dir' ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return { path: relPath === '.' ? '' : relPath, entries, more };
}
