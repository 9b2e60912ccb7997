/**
 * Local persistence for one synced document: the outbox of sealed envelopes
 * not yet acknowledged by the relay, and the sealed local state (Yjs state +
 * cursor + counters, encrypted with the device's local storage key). Only
 * ciphertext is ever handed to a DocStore. Implementations: memory (here),
 * SQLite for Node homes, IndexedDB in the browser.
 */

/** One sealed local change waiting for the relay's ack. */
export interface OutboxEntry {
  /** This device's counter for the document; also the frame `ref`. */
  readonly counter: number;
  readonly envelope: Uint8Array;
}

/** Small, monotonic facts that must survive a crash, saved with every ack. */
export interface SyncMeta {
  /** Highest author counter this device ever used for the document; never reused. */
  readonly myCounter: number;
  /** Highest relay sequence number this device ever saw acknowledged or announced (rollback detection). */
  readonly maxSeenSeq: number;
}

export interface LoadedDoc {
  /** The sealed local state, or null for a document never saved here. */
  readonly state: Uint8Array | null;
  readonly meta: SyncMeta | null;
  /** Unacknowledged entries in counter order. */
  readonly outbox: readonly OutboxEntry[];
}

export interface DocStore {
  load(): Promise<LoadedDoc>;
  /** Durably adds one entry; resolves only once it would survive a crash. */
  putOutbox(entry: OutboxEntry): Promise<void>;
  /** Atomically drops acknowledged entries and saves the meta that records their counters. */
  ack(counters: readonly number[], meta: SyncMeta): Promise<void>;
  /** Atomically replaces the sealed state and meta. */
  saveState(state: Uint8Array, meta: SyncMeta): Promise<void>;
  close?(): Promise<void>;
}

export const emptyMeta: SyncMeta = { myCounter: 0, maxSeenSeq: 0 };

/** A DocStore in memory: for tests and for peers that keep nothing. */
export class MemoryDocStore implements DocStore {
  private state: Uint8Array | null = null;
  private meta: SyncMeta | null = null;
  private readonly outbox = new Map<number, Uint8Array>();

  async load(): Promise<LoadedDoc> {
    const outbox = [...this.outbox.entries()].sort((a, b) => a[0] - b[0]).map(([counter, envelope]) => ({ counter, envelope }));
    return { state: this.state, meta: this.meta, outbox };
  }
  async putOutbox(entry: OutboxEntry): Promise<void> {
    this.outbox.set(entry.counter, entry.envelope);
  }
  async ack(counters: readonly number[], meta: SyncMeta): Promise<void> {
    for (const c of counters) this.outbox.delete(c);
    this.meta = meta;
  }
  async saveState(state: Uint8Array, meta: SyncMeta): Promise<void> {
    this.state = state;
    this.meta = meta;
  }
}
