/**
 * Every SQL statement of the SQLite relay store, prepared once per database.
 * Row shapes are typed here so the store reads like the memory store.
 */
import type Database from 'better-sqlite3';

export interface WorkspaceRow { id: string; admins: Buffer; created_at: number }
export interface DocRow { id: string; workspace: string; write_key: Buffer; read_key: Buffer; head: number; snapshot_seq: number; retired: Buffer | null }
export interface StoredBlobRow { id: string; kind: number; size: number; stored_at: number; owner: Buffer }
export interface EntryRow { seq: number; author: Buffer; counter: number; envelope: Buffer }

/* eslint-disable @typescript-eslint/no-explicit-any -- better-sqlite3's bind-parameter generics */
type Stmt<Row = unknown> = Database.Statement<any[], Row>;

export interface Statements {
  insertWorkspace: Stmt;
  getWorkspace: Stmt<WorkspaceRow>;
  setAdmins: Stmt;
  revoke: Stmt;
  isRevoked: Stmt<{ one: number }>;
  enrol: Stmt;
  isMember: Stmt<{ one: number }>;
  workspacesOf: Stmt<{ workspace: string }>;
  useInvite: Stmt;
  inviteUse: Stmt<{ device: Buffer }>;
  insertDoc: Stmt;
  getDoc: Stmt<DocRow>;
  setCaps: Stmt;
  findEntry: Stmt<{ seq: number; envelope: Buffer }>;
  healthWrite: Stmt;
  coveredCounter: Stmt<{ covered: number }>;
  insertEntry: Stmt;
  setHead: Stmt;
  readSince: Stmt<EntryRow>;
  getSnapshot: Stmt<{ snapshot_seq: number; snapshot: Buffer }>;
  setSnapshot: Stmt;
  rememberCovered: Stmt;
  deleteThrough: Stmt;
  putBlob: Stmt;
  takeBlob: Stmt<{ data: Buffer; expires_at: number }>;
  expireBlobs: Stmt;
  stats: Stmt<{ workspaces: number; docs: number; entries: number; blobs: number }>;
  countWorkspaces: Stmt<{ n: number }>;
  docUsage: Stmt<{ docs: number; bytes: number }>;
  blobUsage: Stmt<{ blobs: number; bytes: number }>;
  putStoredBlob: Stmt;
  storedBlobInfo: Stmt<StoredBlobRow>;
  readStoredBlob: Stmt<{ part: Buffer | null }>;
  listStoredBlobs: Stmt<StoredBlobRow>;
  deleteStoredBlob: Stmt;
  storedBlobUsage: Stmt<{ bytes: number }>;
}

export function prepareStatements(db: Database.Database): Statements {
  const p = <Row>(sql: string): Stmt<Row> => db.prepare(sql) as Stmt<Row>;
  return {
    insertWorkspace: p('INSERT OR IGNORE INTO workspaces (id, admins, created_at) VALUES (?, ?, ?)'),
    getWorkspace: p('SELECT id, admins, created_at FROM workspaces WHERE id = ?'),
    setAdmins: p('UPDATE workspaces SET admins = ? WHERE id = ?'),
    revoke: p('INSERT OR IGNORE INTO revoked (workspace, device, at) VALUES (?, ?, ?)'),
    isRevoked: p('SELECT 1 AS one FROM revoked WHERE workspace = ? AND device = ?'),
    enrol: p('INSERT OR IGNORE INTO members (workspace, device) VALUES (?, ?)'),
    isMember: p('SELECT 1 AS one FROM members WHERE workspace = ? AND device = ?'),
    workspacesOf: p('SELECT workspace FROM members WHERE device = ?'),
    useInvite: p('INSERT OR IGNORE INTO invite_uses (workspace, invite, device) VALUES (?, ?, ?)'),
    inviteUse: p('SELECT device FROM invite_uses WHERE workspace = ? AND invite = ?'),
    insertDoc: p('INSERT OR IGNORE INTO docs (id, workspace, write_key, read_key) VALUES (?, ?, ?, ?)'),
    getDoc: p('SELECT id, workspace, write_key, read_key, head, snapshot_seq, retired FROM docs WHERE id = ?'),
    setCaps: p('UPDATE docs SET write_key = ?, read_key = ?, retired = ? WHERE id = ?'),
    healthWrite: p("INSERT OR REPLACE INTO blobs (key, data, expires_at) VALUES ('health-check', x'', 0)"),
    findEntry: p('SELECT seq, envelope FROM entries WHERE doc = ? AND author = ? AND counter = ?'),
    coveredCounter: p('SELECT covered FROM authors WHERE doc = ? AND author = ?'),
    insertEntry: p('INSERT INTO entries (doc, seq, author, counter, envelope) VALUES (?, ?, ?, ?, ?)'),
    setHead: p('UPDATE docs SET head = ? WHERE id = ?'),
    readSince: p('SELECT seq, author, counter, envelope FROM entries WHERE doc = ? AND seq > ? ORDER BY seq LIMIT ?'),
    getSnapshot: p('SELECT snapshot_seq, snapshot FROM docs WHERE id = ? AND snapshot IS NOT NULL'),
    setSnapshot: p('UPDATE docs SET snapshot_seq = ?, snapshot = ? WHERE id = ?'),
    rememberCovered: p(
      `INSERT INTO authors (doc, author, covered)
       SELECT doc, author, MAX(counter) FROM entries WHERE doc = ? AND seq <= ? GROUP BY author
       ON CONFLICT (doc, author) DO UPDATE SET covered = max(covered, excluded.covered)`,
    ),
    deleteThrough: p('DELETE FROM entries WHERE doc = ? AND seq <= ?'),
    putBlob: p(
      `INSERT INTO blobs (key, data, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at`,
    ),
    takeBlob: p('DELETE FROM blobs WHERE key = ? RETURNING data, expires_at'),
    expireBlobs: p('DELETE FROM blobs WHERE expires_at <= ?'),
    countWorkspaces: p('SELECT count(*) AS n FROM workspaces'),
    docUsage: p(
      `SELECT COUNT(*) AS docs,
         COALESCE(SUM(COALESCE(LENGTH(snapshot), 0) + (SELECT COALESCE(SUM(LENGTH(envelope)), 0) FROM entries WHERE entries.doc = docs.id)), 0) AS bytes
       FROM docs WHERE workspace = ?`,
    ),
    blobUsage: p('SELECT COUNT(*) AS blobs, COALESCE(SUM(LENGTH(data)), 0) AS bytes FROM blobs WHERE key >= ? AND key < ?'),
    putStoredBlob: p('INSERT OR IGNORE INTO stored_blobs (workspace, id, kind, size, stored_at, owner, data) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    storedBlobInfo: p('SELECT id, kind, size, stored_at, owner FROM stored_blobs WHERE workspace = ? AND id = ?'),
    // substr on a BLOB counts bytes, from 1.
    readStoredBlob: p('SELECT substr(data, ? + 1, ?) AS part FROM stored_blobs WHERE workspace = ? AND id = ?'),
    listStoredBlobs: p('SELECT id, kind, size, stored_at, owner FROM stored_blobs WHERE workspace = ? AND kind = ? AND id > ? ORDER BY id LIMIT ?'),
    deleteStoredBlob: p('DELETE FROM stored_blobs WHERE workspace = ? AND id = ?'),
    storedBlobUsage: p('SELECT COALESCE(SUM(size), 0) AS bytes FROM stored_blobs WHERE workspace = ?'),
    stats: p(
      `SELECT (SELECT count(*) FROM workspaces) AS workspaces, (SELECT count(*) FROM docs) AS docs,
              (SELECT count(*) FROM entries) AS entries, (SELECT count(*) FROM blobs) AS blobs`,
    ),
  };
}
