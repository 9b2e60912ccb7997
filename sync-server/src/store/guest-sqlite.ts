/**
 * The GuestStore on SQLite (better-sqlite3, WAL, synchronous=FULL), in a file
 * of its own beside the relay's database, so the RelayStore's schema and its
 * group commit stay as they are. Admission is one transaction: the count of a
 * link's visitors and the insert cannot interleave with another admission.
 */
import Database from 'better-sqlite3';
import type { GuestLinkId, WorkspaceId } from '@tendril/crdt-schema/ids';
import { toBytes } from './bytes.ts';
import type { AdmitResult, GuestLinkRecord, GuestStore, GuestVisitorRecord } from './guest-types.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS guest_links (
  link TEXT PRIMARY KEY,
  workspace TEXT NOT NULL,
  cap_key BLOB NOT NULL,
  code_verifier BLOB NOT NULL,
  expires_at INTEGER NOT NULL,
  max_visitors INTEGER NOT NULL,
  visitor_per_minute INTEGER NOT NULL,
  link_per_minute INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  ended_at INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS guest_visitors (
  link TEXT NOT NULL,
  key BLOB NOT NULL,
  key_box BLOB NOT NULL,
  admitted_at INTEGER NOT NULL,
  ended_at INTEGER NOT NULL DEFAULT 0,
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  UNIQUE (link, key)
);
`;

interface LinkRow {
  link: string;
  workspace: string;
  cap_key: Buffer;
  code_verifier: Buffer;
  expires_at: number;
  max_visitors: number;
  visitor_per_minute: number;
  link_per_minute: number;
  created_at: number;
  ended_at: number;
}

interface VisitorRow {
  link: string;
  key: Buffer;
  key_box: Buffer;
  admitted_at: number;
  ended_at: number;
}

const linkOf = (r: LinkRow): GuestLinkRecord => ({
  link: r.link as GuestLinkId,
  workspace: r.workspace as WorkspaceId,
  capKey: toBytes(r.cap_key),
  codeVerifier: toBytes(r.code_verifier),
  expiresAt: r.expires_at,
  maxVisitors: r.max_visitors,
  visitorPerMinute: r.visitor_per_minute,
  linkPerMinute: r.link_per_minute,
  createdAt: r.created_at,
  endedAt: r.ended_at,
});

const visitorOf = (r: VisitorRow): GuestVisitorRecord => ({
  link: r.link as GuestLinkId,
  key: toBytes(r.key),
  keyBox: toBytes(r.key_box),
  admittedAt: r.admitted_at,
  endedAt: r.ended_at,
});

export function openSqliteGuestStore(path: string): GuestStore {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(SCHEMA);
  const s = {
    putLink: db.prepare(`INSERT INTO guest_links (link, workspace, cap_key, code_verifier, expires_at, max_visitors, visitor_per_minute, link_per_minute, created_at)
      VALUES (@link, @workspace, @capKey, @codeVerifier, @expiresAt, @maxVisitors, @visitorPerMinute, @linkPerMinute, @createdAt)
      ON CONFLICT (link) DO UPDATE SET workspace = excluded.workspace, cap_key = excluded.cap_key, code_verifier = excluded.code_verifier,
        expires_at = excluded.expires_at, max_visitors = excluded.max_visitors, visitor_per_minute = excluded.visitor_per_minute,
        link_per_minute = excluded.link_per_minute`),
    getLink: db.prepare<[string], LinkRow>('SELECT * FROM guest_links WHERE link = ?'),
    endLink: db.prepare<[number, string]>('UPDATE guest_links SET ended_at = CASE WHEN ended_at = 0 THEN ? ELSE ended_at END WHERE link = ?'),
    getVisitor: db.prepare<[string, Buffer], VisitorRow>('SELECT * FROM guest_visitors WHERE link = ? AND key = ?'),
    countVisitors: db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM guest_visitors WHERE link = ?'),
    insertVisitor: db.prepare<[string, Buffer, Buffer, number]>('INSERT INTO guest_visitors (link, key, key_box, admitted_at) VALUES (?, ?, ?, ?)'),
    listVisitors: db.prepare<[string], VisitorRow>('SELECT * FROM guest_visitors WHERE link = ? ORDER BY seq'),
    endVisitor: db.prepare<[number, string, Buffer]>('UPDATE guest_visitors SET ended_at = CASE WHEN ended_at = 0 THEN ? ELSE ended_at END WHERE link = ? AND key = ?'),
  };
  const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const admit = db.transaction((link: string, key: Buffer, keyBox: Buffer, at: number, max: number): AdmitResult => {
    const known = s.getVisitor.get(link, key);
    if (known) return { status: 'returning', visitor: visitorOf(known) };
    if (s.countVisitors.get(link)!.n >= max) return { status: 'full' };
    s.insertVisitor.run(link, key, keyBox, at);
    return { status: 'admitted', visitor: visitorOf(s.getVisitor.get(link, key)!) };
  });
  return {
    putLink(r) {
      s.putLink.run({ ...r, capKey: buf(r.capKey), codeVerifier: buf(r.codeVerifier) });
      return Promise.resolve();
    },
    getLink(link) {
      const row = s.getLink.get(link);
      return Promise.resolve(row ? linkOf(row) : undefined);
    },
    endLink: (link, at) => Promise.resolve(s.endLink.run(at, link).changes > 0),
    admitVisitor: (link, key, keyBox, at, max) => Promise.resolve(admit.immediate(link, buf(key), buf(keyBox), at, max)),
    getVisitor(link, key) {
      const row = s.getVisitor.get(link, buf(key));
      return Promise.resolve(row ? visitorOf(row) : undefined);
    },
    listVisitors: (link) => Promise.resolve(s.listVisitors.all(link).map(visitorOf)),
    endVisitor: (link, key, at) => Promise.resolve(s.endVisitor.run(at, link, buf(key)).changes > 0),
    close() {
      db.close();
      return Promise.resolve();
    },
  };
}
