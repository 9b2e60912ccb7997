/**
 * What a session folder's listing holds and how it travels: the gateway reads
 * a directory (terminal/folder-list.ts) and sends the listing as the bytes of
 * a download, so it reaches the device in the session's encrypted stream with
 * the gateway's signature over its size and SHA-256 like any file. The JSON
 * is parsed strictly on the device (Node-free: the browser reads it too).
 */
import { TendrilError } from '@tendril/crdt-schema/errors';

export const FOLDER_ENTRY_KINDS = ['file', 'dir', 'link', 'other'] as const;
export type FolderEntryKind = (typeof FOLDER_ENTRY_KINDS)[number];

/** At most this many entries are listed (the rest are counted in `more`). */
export const MAX_FOLDER_ENTRIES = 2000;

export interface FolderEntry {
  readonly name: string;
  /** A symbolic link is listed as `link` and never followed. */
  readonly kind: FolderEntryKind;
  readonly size: number;
  /** Last modified, ms since the epoch. */
  readonly mtime: number;
}

export interface FolderListing {
  /** The listed folder, relative to the session's working directory ('' for the folder itself). */
  readonly path: string;
  readonly entries: readonly FolderEntry[];
  /** Entries left out past MAX_FOLDER_ENTRIES. */
  readonly more: number;
}

export function encodeListing(l: FolderListing): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ v: 1, ...l }));
}

const bad = (why: string): never => {
  throw new TendrilError('E_BAD_INPUT', `the folder listing is malformed (${why})`);
};

const count = (v: unknown): number => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : bad('a count is not a whole number'));

export function decodeListing(bytes: Uint8Array): FolderListing {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return bad('not JSON');
  }
  const r = v as { v?: unknown; path?: unknown; entries?: unknown; more?: unknown };
  if (typeof v !== 'object' || v === null || r.v !== 1 || typeof r.path !== 'string' || !Array.isArray(r.entries)) return bad('not a listing');
  if (r.entries.length > MAX_FOLDER_ENTRIES) bad('too many entries');
  const entries = r.entries.map((e: unknown): FolderEntry => {
    const x = e as Record<string, unknown>;
    if (typeof e !== 'object' || e === null || typeof x.name !== 'string' || x.name === '' || x.name.includes('/') || x.name.length > 1024) return bad('an entry name');
    if (!(FOLDER_ENTRY_KINDS as readonly unknown[]).includes(x.kind)) return bad('an entry kind');
    return { name: x.name, kind: x.kind as FolderEntryKind, size: count(x.size), mtime: count(x.mtime) };
  });
  return { path: r.path, entries, more: count(r.more) };
}
