/**
 * Browser profiles built in tests, with the columns the browsers use: a
 * Chromium profile (History: urls, visits and keyword_search_terms in WAL
 * mode, kept open and locked exclusively as a running browser keeps it;
 * Bookmarks JSON) and a
 * Firefox profile (places.sqlite: moz_places, moz_bookmarks).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface Visit {
  readonly url: string;
  readonly title: string;
}

const CHROMIUM_EPOCH_OFFSET_MS = 11_644_473_600_000;

/** A Chromium profile whose History stays open (WAL, writes not checkpointed): close() ends it. */
export function chromiumProfile(dir: string, visits: readonly Visit[], bookmarks: readonly Visit[]) {
  mkdirSync(dir, { recursive: true });
  const db = new Database(join(dir, 'History'));
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec(`CREATE TABLE urls(id INTEGER PRIMARY KEY AUTOINCREMENT, url LONGVARCHAR, title LONGVARCHAR, visit_count INTEGER DEFAULT 0 NOT NULL,
      typed_count INTEGER DEFAULT 0 NOT NULL, last_visit_time INTEGER NOT NULL, hidden INTEGER DEFAULT 0 NOT NULL);
    CREATE TABLE visits(id INTEGER PRIMARY KEY, url INTEGER NOT NULL, visit_time INTEGER NOT NULL, from_visit INTEGER, transition INTEGER DEFAULT 0 NOT NULL,
      segment_id INTEGER, visit_duration INTEGER DEFAULT 0 NOT NULL);
    CREATE TABLE keyword_search_terms(keyword_id INTEGER NOT NULL, url_id INTEGER NOT NULL, term LONGVARCHAR NOT NULL, normalized_term LONGVARCHAR NOT NULL);`);
  const add = (v: Visit, at = Date.now()): void => {
    const time = (at + CHROMIUM_EPOCH_OFFSET_MS) * 1000;
    const { lastInsertRowid } = db.prepare('INSERT INTO urls(url, title, visit_count, last_visit_time) VALUES (?, ?, 1, ?)').run(v.url, v.title, time);
    db.prepare('INSERT INTO visits(url, visit_time) VALUES (?, ?)').run(lastInsertRowid, time);
  };
  // As Chromium does: the running browser holds its History exclusively, so only a copy can be read.
  db.pragma('locking_mode = EXCLUSIVE');
  for (const v of visits) add(v);
  const node = (v: Visit, i: number) => ({ id: String(i + 10), name: v.title, type: 'url', url: v.url, date_added: '13300000000000000' });
  writeFileSync(join(dir, 'Bookmarks'), JSON.stringify({
    checksum: '0', version: 1,
    roots: {
      bookmark_bar: { children: bookmarks.map(node), id: '1', name: 'Bookmarks bar', type: 'folder' },
      other: { children: [{ children: [node({ title: 'Inner', url: 'chrome://settings' }, 99)], id: '3', name: 'Nested', type: 'folder' }], id: '2', name: 'Other bookmarks', type: 'folder' },
    },
  }));
  return {
    add,
    searchTerm: (term: string) => db.prepare('INSERT INTO keyword_search_terms VALUES (1, 1, ?, ?)').run(term, term.toLowerCase()),
    close: () => db.close(),
  };
}

export function firefoxProfile(dir: string, visits: readonly Visit[], bookmarks: readonly Visit[]): void {
  mkdirSync(dir, { recursive: true });
  const db = new Database(join(dir, 'places.sqlite'));
  db.exec(`CREATE TABLE moz_places(id INTEGER PRIMARY KEY, url LONGVARCHAR, title LONGVARCHAR, rev_host LONGVARCHAR, visit_count INTEGER DEFAULT 0,
      hidden INTEGER DEFAULT 0 NOT NULL, typed INTEGER DEFAULT 0 NOT NULL, frecency INTEGER DEFAULT -1 NOT NULL, last_visit_date INTEGER, guid TEXT);
    CREATE TABLE moz_bookmarks(id INTEGER PRIMARY KEY, type INTEGER, fk INTEGER DEFAULT NULL, parent INTEGER, position INTEGER, title LONGVARCHAR,
      keyword_id INTEGER, folder_type TEXT, dateAdded INTEGER, lastModified INTEGER, guid TEXT);`);
  const place = db.prepare('INSERT INTO moz_places(url, title, visit_count, last_visit_date) VALUES (?, ?, 1, ?)');
  for (const v of visits) place.run(v.url, v.title, Date.now() * 1000);
  for (const b of bookmarks) {
    const { lastInsertRowid } = place.run(b.url, b.title, null);
    db.prepare('INSERT INTO moz_bookmarks(type, fk, parent, title) VALUES (1, ?, 3, ?)').run(lastInsertRowid, b.title);
  }
  db.close();
}
