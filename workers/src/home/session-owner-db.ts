/**
 * A gateway's record of who owns each terminal session, in its home
 * (`session-owners.sqlite`): the requester of the signed start request the
 * gateway verified, never the document's owner field
 * (gateway/src/peer/session-owners.ts). Kept across restarts, so a shell
 * re-attached from tmux keeps its owner; a recorded owner is never replaced.
 */
import Database from 'better-sqlite3';
import type { DeviceId, SessionId } from '@tendril/crdt-schema/ids';
import type { SessionOwnerStore } from '@tendril/gateway';

export class SessionOwnerDb implements SessionOwnerStore {
  private readonly db: Database.Database;
  private readonly q;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec('CREATE TABLE IF NOT EXISTS owners (session TEXT PRIMARY KEY, owner TEXT NOT NULL)');
    this.q = {
      owner: this.db.prepare<[string], { owner: string }>('SELECT owner FROM owners WHERE session = ?'),
      record: this.db.prepare('INSERT INTO owners (session, owner) VALUES (?, ?) ON CONFLICT(session) DO NOTHING'),
    };
  }

  owner(session: SessionId): DeviceId | undefined {
    return this.q.owner.get(session)?.owner as DeviceId | undefined;
  }

  record(session: SessionId, owner: DeviceId): void {
    this.q.record.run(session, owner);
  }

  close(): void {
    this.db.close();
  }
}
