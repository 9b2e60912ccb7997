/**
 * One writer per home. Each process that opens a home allocates its own
 * author counters and rewrites its own local state, so two processes on one
 * home would sign different updates under the same counter (the relay keeps
 * only one of them). The lock is an exclusive SQLite transaction held on
 * `home.lock` for as long as the home is open: an OS file lock, released by
 * the kernel when the process dies, so a crashed command leaves no stale lock.
 */
import Database from 'better-sqlite3';
import { TendrilError } from '@tendril/crdt-schema/errors';

/** How long a second process waits for the home before giving up. */
export const HOME_LOCK_WAIT_MS = 60_000;

export interface HomeLock {
  release(): void;
}

/** Takes the home's lock, waiting up to `waitMs` (blocking) for another process to let go; throws E_HOME_IN_USE after that. */
export function lockHome(path: string, home: string, waitMs = HOME_LOCK_WAIT_MS): HomeLock {
  const db = new Database(path);
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(waitMs))}`);
    db.exec('BEGIN EXCLUSIVE');
  } catch (cause) {
    db.close();
    if ((cause as { code?: string }).code === 'SQLITE_BUSY') {
      throw new TendrilError('E_HOME_IN_USE', `another tendril process is using the home ${home}; wait for it to finish (or stop it) and run the command again`, { cause });
    }
    throw cause;
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      db.exec('ROLLBACK');
      db.close();
    },
  };
}
