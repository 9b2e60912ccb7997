/**
 * The SQLite schema of the relay store and the pragmas it runs under. WAL
 * with synchronous=FULL: a commit is on disk before an append resolves, so an
 * acknowledged entry survives a crash or power loss. Versioned through
 * `PRAGMA user_version`; each migration runs once, in order.
 */
import type Database from 'better-sqlite3';

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE workspaces (
    id TEXT PRIMARY KEY,
    admins BLOB NOT NULL,            -- 32-byte admin keys, concatenated
    created_at INTEGER NOT NULL
  );
  CREATE TABLE revoked (
    workspace TEXT NOT NULL,
    device TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (workspace, device)
  ) WITHOUT ROWID;
  CREATE TABLE docs (
    id TEXT PRIMARY KEY,
    workspace TEXT NOT NULL,
    write_key BLOB NOT NULL,
    read_key BLOB NOT NULL,
    head INTEGER NOT NULL DEFAULT 0,         -- never decreases, survives pruning
    snapshot_seq INTEGER NOT NULL DEFAULT 0,
    snapshot BLOB
  );
  CREATE TABLE entries (
    doc TEXT NOT NULL,
    seq INTEGER NOT NULL,
    author BLOB NOT NULL,
    counter INTEGER NOT NULL,
    envelope BLOB NOT NULL,
    PRIMARY KEY (doc, seq)
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX entries_by_author ON entries (doc, author, counter);
  -- per (doc, author): the highest counter pruned under a snapshot
  CREATE TABLE authors (
    doc TEXT NOT NULL,
    author BLOB NOT NULL,
    covered INTEGER NOT NULL,
    PRIMARY KEY (doc, author)
  ) WITHOUT ROWID;
  CREATE TABLE blobs (
    key TEXT PRIMARY KEY,
    data BLOB NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX blobs_by_expiry ON blobs (expires_at);
  `,
  `
  ALTER TABLE docs ADD COLUMN retired BLOB;   -- replaced capability keys (retired-caps.ts)
  CREATE TABLE members (
    workspace TEXT NOT NULL,
    device BLOB NOT NULL,                     -- 32-byte device key
    PRIMARY KEY (workspace, device)
  ) WITHOUT ROWID;
  CREATE TABLE invite_uses (
    workspace TEXT NOT NULL,
    invite TEXT NOT NULL,
    device BLOB NOT NULL,
    PRIMARY KEY (workspace, invite)
  ) WITHOUT ROWID;
  `,
  `
  -- content-addressed blobs (attachments, backups); data last so listing never reads it
  CREATE TABLE stored_blobs (
    workspace TEXT NOT NULL,
    id TEXT NOT NULL,                         -- SHA-256 of data, lowercase hex
    kind INTEGER NOT NULL,
    size INTEGER NOT NULL,
    stored_at INTEGER NOT NULL,
    owner BLOB NOT NULL,                      -- 32-byte key of the device that stored it
    data BLOB NOT NULL,
    UNIQUE (workspace, id)
  );
  CREATE INDEX stored_blobs_by_kind ON stored_blobs (workspace, kind, id);
  `,
  `
  -- the Locate lookup: which workspaces a key is enrolled in
  CREATE INDEX members_by_device ON members (device);
  `,
];

/** Sets the pragmas and brings the schema up to date. */
export function prepareDatabase(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
