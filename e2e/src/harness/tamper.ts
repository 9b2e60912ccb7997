/**
 * A relay that lies: with the relay stopped, one stored envelope of the
 * largest document has a byte flipped in its ciphertext, as a compromised
 * relay or a corrupted disk would. Peers must refuse it and say so.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** Flips one byte near the end of the last entry of the document with the most stored bytes; returns that document id. */
export function tamperLargestDoc(dataDir: string): string {
  const db = new Database(join(dataDir, 'relay.sqlite'), { fileMustExist: true });
  try {
    const doc = db.prepare('SELECT doc FROM entries GROUP BY doc ORDER BY sum(length(envelope)) DESC LIMIT 1').pluck().get() as string;
    const row = db.prepare('SELECT seq, envelope FROM entries WHERE doc = ? ORDER BY seq DESC LIMIT 1').get(doc) as { seq: number; envelope: Buffer };
    const bytes = Buffer.from(row.envelope);
    const at = bytes.length - 100;
    bytes[at] = bytes[at]! ^ 0x01;
    db.prepare('UPDATE entries SET envelope = ? WHERE doc = ? AND seq = ?').run(bytes, doc, row.seq);
    return doc;
  } finally {
    db.close();
  }
}
