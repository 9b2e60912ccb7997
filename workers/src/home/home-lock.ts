/**
 * One writer per home. Each process that opens a home allocates its own
 * author counters and rewrites its own local state, so two processes on one
 * home would sign different updates under the same counter (the relay keeps
 * only one of them). The lock is an exclusive SQLite transaction held on
 * `home.lock` for as long as the home is open: an OS file lock, released by
 * the kernel when the process dies, so a crashed command leaves no stale lock.
 */
import Database from 'better-sqlite3';
import { isTendrilError, TendrilError } from '@tendril/crdt-schema/errors';

/** How long a second process waits for the home before giving up. */
export const HOME_LOCK_WAIT_MS = 60_000;

export interface HomeLock {
  release(): void;
}

/** Takes the home's lock, waiting up to `waitMs` (blocking the thread) for another process to let go; throws E_HOME_IN_USE after that. */
export function lockHome(path: string, home: string, waitMs = 0): HomeLock {
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

/**
 * Takes the home's lock, trying again every `pollMs` until `waitMs` passed
 * (then E_HOME_IN_USE). The wait does not block the event loop, so signals
 * and timers still run while another process holds the home.
 */
export async function waitForHomeLock(path: string, home: string, waitMs = HOME_LOCK_WAIT_MS, pollMs = 100): Promise<HomeLock> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return lockHome(path, home, 0);
    } catch (err) {
      if (!isTendrilError(err, 'E_HOME_IN_USE') || Date.now() >= deadline) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(0, deadline - Date.now()))));
  }
}
