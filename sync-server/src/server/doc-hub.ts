/**
 * Who follows which document on this relay process, and the fan-out of
 * committed entries to them, in seq order.
 *
 * Per followed document the hub knows two numbers: `head`, the highest seq
 * the store is known to hold (from this process's appends, from other
 * processes' `appended` notices, from a subscribe's or a head check's store
 * read), and `delivered`, the highest seq offered to the live subscribers.
 * An entry appended here is offered at once with its bytes; when `head` runs
 * ahead of `delivered` (another process appended, or an append whose reply
 * was lost came back as a duplicate) the hub reads the missing entries from
 * the store, one reader per document, and offers them. An entry read so that
 * this process appended and has not acknowledged yet (its reply is still on
 * the way) is offered with its appending connection as origin, which gets
 * the Ack, not its own entry. A catch-up compares
 * its progress with `head` to know nothing was committed behind its back
 * (see subscription.ts). A document nobody here follows is not tracked.
 */
import type { DocId } from '@tendril/crdt-schema/ids';
import { encodeFrameParts, FrameType } from '@tendril/crdt-schema/wire';
import { bytesEqual } from '../store/bytes.ts';
import type { RelayStore, StoredEntry } from '../store/types.ts';
import type { Connection } from './connection.ts';
import type { Logger } from './logger.ts';
import { prepareFrame, type PreparedFrame } from './prepared-frame.ts';
import type { Subscription } from './subscription.ts';

interface DocFollowers {
  readonly subs: Set<Subscription>;
  /** Highest seq the store is known to hold. */
  head: number;
  /** Highest seq offered to the live subscribers. */
  delivered: number;
  /** A store read of missing entries is under way. */
  reading: boolean;
}

export interface DocHubDeps {
  readonly store: Pick<RelayStore, 'readSince'>;
  readonly logger: Logger;
  /** Entries per store read (catch-up page size). */
  readonly pageSize: number;
  /** Envelope bytes per store read. */
  readonly pageBytes: number;
  /** Counts each store read the hub makes for entries it was not handed (appended elsewhere). */
  readonly onRead?: (entries: number) => void;
  /** Registers work shutdown waits for. */
  readonly track?: <T>(work: Promise<T>) => Promise<T>;
}

const appendKey = (doc: DocId, author: Uint8Array, counter: number): string => `${doc} ${Buffer.from(author).toString('base64')} ${counter}`;

export class DocHub {
  private readonly docs = new Map<DocId, DocFollowers>();
  /** Appends sent to the store and not yet answered, by (doc, author, counter): their connection and bytes. */
  private readonly appending = new Map<string, { readonly conn: Connection; readonly envelope: Uint8Array }>();

  constructor(private readonly d: DocHubDeps) {}

  /** Follows `sub.doc`; `storeHead` is the head the subscribe read from the store. */
  join(sub: Subscription, storeHead: number): void {
    let f = this.docs.get(sub.doc);
    if (!f) this.docs.set(sub.doc, (f = { subs: new Set(), head: storeHead, delivered: storeHead, reading: false }));
    f.subs.add(sub);
    this.advance(sub.doc, storeHead);
  }

  leave(sub: Subscription): void {
    const f = this.docs.get(sub.doc);
    if (!f) return;
    f.subs.delete(sub);
    if (f.subs.size === 0) this.docs.delete(sub.doc);
  }

  subscribers(doc: DocId): readonly Subscription[] {
    return [...(this.docs.get(doc)?.subs ?? [])];
  }

  /** Documents with at least one subscriber here. */
  followed(): DocId[] {
    return [...this.docs.keys()];
  }

  /** The highest seq the store is known to hold (0 for a document nobody here follows). */
  head(doc: DocId): number {
    return this.docs.get(doc)?.head ?? 0;
  }

  /** Documents with at least one subscriber. */
  get size(): number {
    return this.docs.size;
  }

  /** Notes an append `conn` is sending to the store; call the returned function once it is answered. */
  appendingFrom(conn: Connection, doc: DocId, author: Uint8Array, counter: number, envelope: Uint8Array): () => void {
    const key = appendKey(doc, author, counter);
    const pending = { conn, envelope };
    this.appending.set(key, pending);
    return () => {
      if (this.appending.get(key) === pending) this.appending.delete(key);
    };
  }

  /**
   * The connection whose append of this very entry (same author, counter and
   * bytes: other bytes under its counter will be refused as a conflict, and
   * the stored entry is then news to it) awaits the store's answer, if any.
   */
  appender(doc: DocId, entry: StoredEntry): Connection | undefined {
    if (this.appending.size === 0) return undefined;
    const pending = this.appending.get(appendKey(doc, entry.author, entry.counter));
    return pending && bytesEqual(pending.envelope, entry.envelope) ? pending.conn : undefined;
  }

  /**
   * Fans an entry committed through this process out to the document's
   * subscribers. The Entry frame is encoded and framed for the wire once
   * (prepared-frame.ts), and only if someone needs it. `origin` (the
   * appending connection) gets an Ack instead of its own entry.
   */
  publish(doc: DocId, seq: number, envelope: Uint8Array, origin: Connection | undefined): void {
    const f = this.docs.get(doc);
    if (!f) return;
    f.head = Math.max(f.head, seq);
    f.delivered = Math.max(f.delivered, seq);
    this.offer(doc, f, seq, envelope, origin);
  }

  /**
   * The store holds the document's log through `seq`: entries not yet offered
   * here are read and offered. Also retries a read that failed (a head check
   * calls this with the store's head).
   */
  advance(doc: DocId, seq: number): void {
    const f = this.docs.get(doc);
    if (!f) return;
    f.head = Math.max(f.head, seq);
    if (!f.reading && f.delivered < f.head) this.read(doc, f);
  }

  private offer(doc: DocId, f: DocFollowers, seq: number, envelope: Uint8Array, origin: Connection | undefined): void {
    let prepared: PreparedFrame | undefined;
    const frame = (): PreparedFrame => (prepared ??= prepareFrame(encodeFrameParts({ type: FrameType.Entry, doc, seq, envelope })));
    for (const sub of [...f.subs]) sub.offer(seq, frame, origin);
  }

  private read(doc: DocId, f: DocFollowers): void {
    f.reading = true;
    const work = this.readMissing(doc, f).catch((err: unknown) => this.d.logger.error('fanout.read_failed', { doc, error: String(err) }));
    void (this.d.track ? this.d.track(work) : work);
  }

  /** Reads and offers entries after `delivered` until it reaches `head` (which may move meanwhile). */
  private async readMissing(doc: DocId, f: DocFollowers): Promise<void> {
    try {
      while (this.docs.get(doc) === f && f.delivered < f.head) {
        const page = await this.d.store.readSince(doc, f.delivered, this.d.pageSize, this.d.pageBytes);
        this.d.onRead?.(page.length);
        if (page.length === 0) {
          // Nothing readable up to the head (pruned under a snapshot): each subscriber catches up on its own.
          f.delivered = f.head;
          for (const sub of [...f.subs]) sub.behind(f.head);
          return;
        }
        for (const entry of page) {
          if (entry.seq <= f.delivered) continue;
          f.delivered = entry.seq;
          f.head = Math.max(f.head, entry.seq);
          this.offer(doc, f, entry.seq, entry.envelope, this.appender(doc, entry));
        }
      }
    } finally {
      // In the same step as the loop's last check, so an advance right after starts a new read.
      f.reading = false;
    }
  }
}
