/**
 * Confines a path sent by a remote device to a session's working directory.
 * The path must be relative, without `..` segments, backslashes or NUL; each
 * directory on the way is checked with lstat, and a symbolic link is allowed
 * only when it resolves inside the root (checked with realpath). Missing
 * directories are created one level at a time, never through a link.
 *
 * This guards against paths chosen remotely. It does not race local processes
 * of the session, which run as the same user and could write anywhere anyway.
 */
import { lstat, mkdir, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { TendrilError } from '@tendril/crdt-schema/errors';

export interface ConfinedPath {
  /** The root after resolving links. */
  readonly root: string;
  /** The absolute target: its directory is inside the root, it may not exist yet. */
  readonly path: string;
}

const outside = (why: string): never => {
  throw new TendrilError('E_PATH_OUTSIDE', why);
};

/** The segments of a relative path, or E_PATH_OUTSIDE. */
export function pathSegments(relPath: unknown): string[] {
  if (typeof relPath !== 'string' || relPath.length === 0 || relPath.length > 4096) throw new TendrilError('E_BAD_INPUT', 'a path is 1..4096 characters');
  if (relPath.includes('\0') || relPath.includes('\\')) outside('a path may not contain NUL or backslashes');
  if (relPath.startsWith('/') || /^[A-Za-z]:/.test(relPath)) outside(`absolute path ${JSON.stringify(relPath)}`);
  const segments = relPath.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) outside(`${JSON.stringify(relPath)} climbs out with ..`);
  if (segments.length === 0) throw new TendrilError('E_BAD_INPUT', 'the path names no file');
  return segments;
}

export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

const missing = (e: unknown): undefined => {
  if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  throw e;
};

/** Resolves `relPath` under `root`; creates missing directories when `createDirs`. */
export async function confine(root: string, relPath: string, options: { createDirs?: boolean } = {}): Promise<ConfinedPath> {
  const segments = pathSegments(relPath);
  const rootReal = await realpath(root);
  let dir = rootReal;
  for (const segment of segments.slice(0, -1)) {
    const next = join(dir, segment);
    const info = await lstat(next).catch(missing);
    if (info === undefined) {
      if (options.createDirs !== true) throw new TendrilError('E_BAD_INPUT', `no directory ${segment} in the path`);
      await mkdir(next);
      dir = next;
      continue;
    }
    const real = info.isSymbolicLink() ? await realpath(next) : next;
    if (!isInside(rootReal, real)) outside(`${segment} links outside the working directory`);
    if (!(await stat(real)).isDirectory()) throw new TendrilError('E_BAD_INPUT', `${segment} is not a directory`);
    dir = real;
  }
  return { root: rootReal, path: join(dir, segments.at(-1)!) };
}
