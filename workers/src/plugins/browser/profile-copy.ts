/**
 * A private copy of a browser's profile databases. A browser keeps its
 * history database open and locked while it runs, and opening the live file
 * could block it or read a page mid-write; so the database is copied together
 * with its -wal and -journal files (what SQLite needs to see the last
 * committed state) into a fresh temp folder, opened read-only from there, and
 * the copy is removed afterwards.
 */
import { copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const SIDE_FILES = ['-wal', '-journal'] as const;

export interface ProfileCopy {
  readonly dir: string;
  /** Opens the copy of `name` (copied with its side files on first use) read-only. */
  open(name: string): Promise<Database.Database>;
  /** Copies a plain file (Bookmarks) and returns the copy's path, or undefined when the profile has none. */
  file(name: string): Promise<string | undefined>;
  remove(): Promise<void>;
}

const exists = async (p: string): Promise<boolean> => stat(p).then((s) => s.isFile(), () => false);

export async function copyProfile(profile: string): Promise<ProfileCopy> {
  const dir = await mkdtemp(join(tmpdir(), 'tendril-browser-'));
  const opened: Database.Database[] = [];
  const file = async (name: string): Promise<string | undefined> => {
    if (!(await exists(join(profile, name)))) return undefined;
    await copyFile(join(profile, name), join(dir, name));
    return join(dir, name);
  };
  return {
    dir,
    file,
    async open(name) {
      const main = await file(name);
      if (!main) throw new Error(`${name} is missing`);
      for (const side of SIDE_FILES) await file(`${name}${side}`);
      const db = new Database(main, { readonly: true, fileMustExist: true });
      opened.push(db);
      // A profile database comes from disk, not from us: its views and triggers may not call functions.
      db.pragma('trusted_schema = OFF');
      return db;
    },
    async remove() {
      for (const db of opened) db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
