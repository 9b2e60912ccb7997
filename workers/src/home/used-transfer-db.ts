/**
 * A gateway's used file-transfer ids in its home (`file-transfer-ids.sqlite`),
 * each with its request's signed time, so a request a relay kept is refused
 * after a gateway restart too (gateway/src/peer/used-transfers.ts). Ids older
 * than the gateway's clock window are pruned: such requests are refused by age.
 */
import Database from 'better-sqlite3';
import type { DeviceId, SessionId } from '@tendril/crdt-schema/ids';
import type { UsedTransferStore } from '@tendril/gateway';

export class UsedTransferDb implements UsedTransferStore {
  private readonly db: Database.Database;
  private readonly q;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS used (session TEXT NOT NULL, device TEXT NOT NULL, id INTEGER NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (session, device, id));' +
        'CREATE INDEX IF NOT EXISTS used_at ON used (at)',
    );
    this.q = {
      claim: this.db.prepare('INSERT INTO used (session, device, id, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING'),
      prune: this.db.prepare('DELETE FROM used WHERE at < ?'),
    };
  }

  claim(session: SessionId, device: DeviceId, id: number, at: number): boolean {
    return this.q.claim.run(session, device, id, at).changes === 1;
  }

  prune(before: number): void {
    this.q.prune.run(before);
  }

  close(): void {
    this.db.close();
  }
}
