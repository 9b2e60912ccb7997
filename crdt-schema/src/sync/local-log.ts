/**
 * The at-rest copy of one document as an append log of sealed records plus a
 * compacted state, following y-indexeddb's design: each applied update is
 * appended (small, so a change costs its own size, not the document's), and
 * once more than `compactAfter` records follow the state (y-indexeddb's
 * PREFERRED_TRIM_SIZE is 500) one sealed full state replaces them in the
 * same transaction.
 *
 * The y-indexeddb package itself cannot hold this log. Its API
 * (`IndexeddbPersistence(name, ydoc)`, `storeState`, `fetchUpdates`,
 * `clearDocument`, `PREFERRED_TRIM_SIZE`, and get/set/del on a `custom`
 * store) listens to the Y.Doc's `update` event and writes each update, and
 * the compacted `Y.encodeStateAsUpdate`, as plaintext into a database of its
 * own per document: there is no hook to seal a record, no place for the relay
 * cursor and author counters, and nothing for SQLite. This module keeps its
 * design over any DocStore and seals every record with the device's local key.
 *
 * Updates are buffered and written in batches (one transaction each), each
 * batch sealed as ONE record when it is written (local-update.ts version 2):
 * a catch-up of thousands of entries costs one sealing per write rather than
 * one per entry, and nothing is sealed for updates a compaction includes
 * anyway. The threshold counts updates, not records (record ids number the
 * updates: a record's id is the number of its last update). An update not yet
 * written when the device crashes is not lost for good: the cursor is rebuilt
 * from the written records only, so the relay sends the entry again. A record
 * is sealed only when its write runs, off the path from a relay entry to the
 * Y.Doc.
 */
import type { DocCipher } from './doc-cipher.ts';
import type { DocStore, SyncMeta, UpdateRecord } from './doc-store.ts';
import { decodeLocalUpdates, encodeLocalUpdates, type LocalUpdate } from './local-update.ts';

export const PREFERRED_TRIM_SIZE = 500;

export class LocalLog {
  private readonly store: DocStore;
  private readonly cipher: Pick<DocCipher, 'sealLocal' | 'openLocal'>;
  private readonly compactAfter: number;
  private buffered: LocalUpdate[] = [];
  /** The number of the last update added (record ids are update numbers). */
  private lastId = 0;
  /** Updates up to this number are in the compacted state (or about to be). */
  private compactedThrough = 0;

  constructor(store: DocStore, cipher: Pick<DocCipher, 'sealLocal' | 'openLocal'>, compactAfter = PREFERRED_TRIM_SIZE) {
    this.store = store;
    this.cipher = cipher;
    this.compactAfter = Math.max(1, compactAfter);
  }

  /** Opens the loaded records in order and resumes numbering after them. */
  open(records: readonly UpdateRecord[]): LocalUpdate[] {
    const out = records.flatMap((r) => decodeLocalUpdates(this.cipher.openLocal(r.sealed)));
    this.lastId = records.length > 0 ? records[records.length - 1]!.id : 0;
    this.compactedThrough = Math.max(0, this.lastId - out.length);
    return out;
  }

  /** Adds one applied update to the write buffer (sealed when it is written). */
  add(u: LocalUpdate): void {
    this.buffered.push(u);
    this.lastId++;
  }

  /** Updates not yet written. */
  get pending(): number {
    return this.buffered.length;
  }

  /** True once more updates follow the compacted state than the threshold allows. */
  get compactionDue(): boolean {
    return this.lastId - this.compactedThrough >= this.compactAfter;
  }

  /**
   * Takes the buffered records for one write (with the acked outbox entries and the meta), so
   * the caller can queue it behind its other writes.
   */
  takeWrite(meta: SyncMeta, acked: readonly number[] = []): () => Promise<void> {
    const updates = this.buffered;
    this.buffered = [];
    const id = this.lastId;
    return () => {
      const records: UpdateRecord[] = updates.length > 0 ? [{ id, sealed: this.cipher.sealLocal(encodeLocalUpdates(updates)) }] : [];
      return this.store.append(records, meta, acked);
    };
  }

  /**
   * Takes a compaction: `state` must be sealed now, from the document as it is, so it includes
   * every record numbered so far. Buffered records are dropped (the state holds them), and the
   * store deletes the written ones in the transaction that saves the state.
   */
  takeCompaction(state: Uint8Array, meta: SyncMeta): () => Promise<void> {
    const through = this.lastId;
    this.buffered = [];
    this.compactedThrough = through;
    return () => this.store.compact(state, through, meta);
  }
}
