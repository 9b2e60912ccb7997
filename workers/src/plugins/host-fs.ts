/**
 * Folder reads on a plugin's behalf. Paths must be absolute; each is checked
 * against the read-folder grants both as given and as its real path, so a
 * symlink inside a granted folder cannot lead outside it. Walks skip
 * symlinks, dot-entries and node_modules, and stop at a file count. Files are
 * read up to a byte cap and only when they look like text.
 */
import * as fsp from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { AccessGate } from './access-gate.ts';

export interface HostFs {
  realpath(path: string): Promise<string>;
  stat(path: string): Promise<{ size: number; mtimeMs: number; isFile(): boolean; isDirectory(): boolean }>;
  readdir(path: string): Promise<{ name: string; isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }[]>;
  /** The first `maxBytes` bytes of a file. */
  readPrefix(path: string, maxBytes: number): Promise<Uint8Array>;
}

export const nodeHostFs: HostFs = {
  realpath: (p) => fsp.realpath(p),
  stat: (p) => fsp.stat(p),
  readdir: (p) => fsp.readdir(p, { withFileTypes: true }),
  async readPrefix(p, maxBytes) {
    const h = await fsp.open(p, 'r');
    try {
      const buf = Buffer.alloc(maxBytes);
      const { bytesRead } = await h.read(buf, 0, maxBytes, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await h.close();
    }
  },
};

export const FS_LIMITS = { maxFiles: 5000, maxDepth: 16, defaultReadBytes: 1_000_000, maxReadBytes: 5_000_000 } as const;

export interface FileInfo {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export function absolutePath(raw: unknown, what: string): string {
  if (typeof raw !== 'string' || raw === '' || raw.length > 2000) throw new TendrilError('E_BAD_INPUT', `${what} must be a path`);
  if (!isAbsolute(raw)) throw new TendrilError('E_BAD_INPUT', `${what} must be an absolute path, not ${raw}`);
  return resolve(raw);
}

const skipped = (name: string): boolean => name.startsWith('.') || name === 'node_modules';

/** Checks the real path too, when it differs (symlinks). */
async function realChecked(fs: HostFs, gate: AccessGate, path: string): Promise<string> {
  const real = await fs.realpath(path);
  if (real !== path) gate.require('read-folder', real, `real path of ${path}`);
  return real;
}

export async function listFiles(fs: HostFs, gate: AccessGate, rawFolder: unknown, maxFiles: number = FS_LIMITS.maxFiles): Promise<FileInfo[]> {
  const folder = absolutePath(rawFolder, 'folder');
  const limit = Math.max(1, Math.min(maxFiles, FS_LIMITS.maxFiles));
  return gate.guard('read-folder', folder, async () => {
    const real = await realChecked(fs, gate, folder);
    const out: FileInfo[] = [];
    const walk = async (dir: string, shown: string, depth: number): Promise<void> => {
      if (depth > FS_LIMITS.maxDepth) return;
      const entries = (await fs.readdir(dir)).sort((a, b) => (a.name < b.name ? -1 : 1));
      for (const e of entries) {
        if (out.length >= limit) return;
        if (skipped(e.name) || e.isSymbolicLink()) continue;
        if (e.isDirectory()) await walk(join(dir, e.name), join(shown, e.name), depth + 1);
        else if (e.isFile()) {
          const s = await fs.stat(join(dir, e.name)).catch(() => undefined);
          if (s) out.push({ path: join(shown, e.name), size: s.size, mtimeMs: Math.floor(s.mtimeMs) });
        }
      }
    };
    await walk(real, folder, 0);
    return out;
  }, (files) => `${files.length} files${files.length >= limit ? ' (limit reached)' : ''}`);
}

export interface FileText {
  readonly text: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly truncated: boolean;
}

export async function readTextFile(fs: HostFs, gate: AccessGate, rawPath: unknown, maxBytes: number = FS_LIMITS.defaultReadBytes): Promise<FileText> {
  const path = absolutePath(rawPath, 'path');
  const cap = Math.max(1, Math.min(maxBytes, FS_LIMITS.maxReadBytes));
  return gate.guard('read-folder', path, async () => {
    const real = await realChecked(fs, gate, path);
    const s = await fs.stat(real);
    if (!s.isFile()) throw new TendrilError('E_BAD_INPUT', `${path} is not a file`);
    const bytes = await fs.readPrefix(real, cap);
    if (bytes.subarray(0, 8192).includes(0)) throw new TendrilError('E_BAD_INPUT', `${path} is not a text file`);
    return { text: new TextDecoder('utf-8').decode(bytes), size: s.size, mtimeMs: Math.floor(s.mtimeMs), truncated: s.size > bytes.length };
  }, (f) => `${f.size} bytes${f.truncated ? `, first ${cap} read` : ''}`);
}
