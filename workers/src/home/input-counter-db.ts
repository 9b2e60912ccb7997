/**
 * A gateway's input counters in its home (`input-counters.sqlite`): the
 * highest accepted counter per terminal session and device, so a restarted
 * gateway still refuses old signed input (gateway/src/terminal/input-counters.ts).
 *
 * WAL with synchronous=NORMAL: a committed counter is in the operating
 * system's hands before `record` returns, so it survives the gateway process
 * dying; an OS crash may lose the last ones, but it also ends the shells they
 * were typed into.
 */
import Database from 'better-sqlite3';
import type { DeviceId, SessionId } from '@tendril/crdt-schema/ids';
import type { InputCounterStore } from '@tendril/gateway';

export class InputCounterDb implements InputCounterStore {
  private readonly db: Database.Database;
  private readonly q;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec('CREATE TABLE IF NOT EXISTS counters (session TEXT NOT NULL, device TEXT NOT NULL, counter INTEGER NOT NULL, PRIMARY KEY (session, device))');
    this.q = {
      load: this.db.prepare<[string], { device: string; counter: number }>('SELECT device, counter FROM counters WHERE session = ?'),
      record: this.db.prepare(
        'INSERT INTO counters (session, device, counter) VALUES (?, ?, ?) ON CONFLICT(session, device) DO UPDATE SET counter = max(counter, excluded.counter)',
      ),
    };
  }

  load(session: SessionId): ReadonlyMap<DeviceId, number> {
    return new Map(this.q.load.all(session).map((r) => [r.device as DeviceId, r.counter]));
  }

  record(session: SessionId, device: DeviceId, counter: number): void {
    this.q.record.run(session, device, counter);
  }

  close(): void {
    this.db.close();
  }
}
