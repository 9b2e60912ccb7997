/**
 * One connection following one document: catch-up from a cursor, then live
 * entries, with no gap and no duplicate between the two even when the store
 * answers asynchronously.
 *
 * The subscription joins the hub before its first store read, so every entry
 * committed later is either in a read or offered live. While catching up it
 * ignores live offers and reads pages until a short page finds it level with
 * the hub's `head` (the highest seq the store is known to hold, whichever
 * relay process appended it); that check and the switch to live happen in
 * one synchronous step. A live offer that is not `sentThrough + 1` (commits that
 * resolved out of order) sends it back to the store instead of skipping.
 * Live, the appending connection gets an Ack instead of its own entry; so
 * does a catch-up that runs while this connection's appends are answered
 * (with several relay processes a gap, and so a catch-up, is common), but
 * the first catch-up sends everything after the cursor, its own entries of
 * earlier sessions included.
 *
 * Memory per peer is bounded by bytes, not entries: a page stops at
 * `pageBytes` of envelopes (plus the entry that crossed it), a connection
 * holds one catch-up page at a time however many documents it follows, and a
 * page is read only once the frames sent before it left the process (queued
 * bytes at or under `highWater`). A page goes out in runs of frames of
 * about 64 KiB, each framed into one buffer and written at once (one
 * syscall instead of one per entry). A peer that stops reading pauses its
 * catch-up; liveness pings drop it if it stays silent.
 */
import type { DocId } from '@tendril/crdt-schema/ids';
import { encodeFrame, entryFrameEncoder, FrameType, type CapMode } from '@tendril/crdt-schema/wire';
import type { RelayStore, StoredEntry } from '../store/types.ts';
import type { Connection } from './connection.ts';
import type { DocHub } from './doc-hub.ts';
import type { Logger } from './logger.ts';
import { prepareRun, type PreparedFrame } from './prepared-frame.ts';

/** Bytes of catch-up frames written to the socket at once. */
const RUN_BYTES = 64 * 1024;

export interface SubscriptionDeps {
  readonly store: RelayStore;
  readonly hub: DocHub;
  readonly logger: Logger;
  readonly pageSize: number;
  /** Envelope bytes per page (a page holds at most this plus one entry). */
  readonly pageBytes: number;
  /** Queued bytes above which a catch-up waits for the socket to drain. */
  readonly highWater: number;
  /** What catch-ups hold across the relay, for the metrics. */
  readonly memory: CatchUpMemory;
}

/** Catch-up state summed over every subscription of one relay. */
export interface CatchUpMemory {
  /** Envelope bytes of pages read from the store and not yet sent. */
  bytes: number;
  /** Catch-ups waiting for their peer to read. */
  waiting: number;
}

export class Subscription {
  /** Highest seq this peer has been given (or acknowledged, for its own entries). */
  private sentThrough: number;
  private live = false;
  private catchingUp = false;
  private ended = false;
  private caughtUpSent = false;
  /** Seqs past `sentThrough` acknowledged to this connection (its own appends): a catch-up does not send them. Made on the first. */
  private acked: Set<number> | undefined;
  /** Resolves when the last frame this catch-up sent left the process. */
  private lastFlush: Promise<void> = Promise.resolve();

  constructor(
    readonly conn: Connection,
    readonly doc: DocId,
    readonly mode: CapMode,
    /** The capability key the subscribe proof verified under (shared with the document's other subscriptions: never modified). */
    readonly capKey: Uint8Array,
    cursor: number,
    /** Seq of the snapshot when subscribing: a cursor behind it gets the snapshot first. */
    private snapshotFloor: number,
    private readonly d: SubscriptionDeps,
  ) {
    this.sentThrough = cursor;
  }

  get active(): boolean {
    return !this.ended && this.conn.open;
  }

  /** Caught up and following live: ephemeral frames (presence, streams) go only to these. */
  get isLive(): boolean {
    return this.live && this.active;
  }

  /**
   * Joins the hub and starts the catch-up; call right after sending Subscribed.
   * `storeHead` is the document's head as the subscribe read it from the store.
   */
  start(storeHead: number): void {
    this.d.hub.join(this, storeHead);
    this.catchUp();
  }

  end(): void {
    this.ended = true;
    this.live = false;
    this.d.hub.leave(this);
  }

  /** This connection's append was acknowledged at `seq`. */
  ackedAt(seq: number): void {
    if (seq > this.sentThrough) (this.acked ??= new Set()).add(seq);
  }

  /** A committed entry, from the hub; `frame` gives its Entry frame, prepared once for all subscribers. */
  offer(seq: number, frame: () => PreparedFrame, origin: Connection | undefined): void {
    if (!this.live || this.ended || seq <= this.sentThrough) return;
    if (seq !== this.sentThrough + 1) {
      this.live = false;
      this.catchUp();
      return;
    }
    this.sentThrough = seq;
    this.acked?.delete(seq);
    if (origin !== this.conn) this.conn.sendPrepared(FrameType.Entry, frame());
  }

  /** The log reaches `head` but the hub has no entries to offer (pruned): a live peer behind it catches up from the store. */
  behind(head: number): void {
    if (!this.live || this.ended || head <= this.sentThrough) return;
    this.live = false;
    this.catchUp();
  }

  private catchUp(): void {
    if (this.catchingUp || this.ended) return;
    this.catchingUp = true;
    this.run().catch((err: unknown) => {
      this.d.logger.error('catchup.failed', { doc: this.doc, error: String(err) });
      this.conn.fail('E_STORE_FAILED', { doc: this.doc, detail: 'catch-up failed; resubscribe from your cursor' });
    });
  }

  private async run(): Promise<void> {
    const { store, hub, pageSize, pageBytes, memory } = this.d;
    let emptyReads = 0;
    try {
      while (this.active) {
        if (this.sentThrough < this.snapshotFloor) {
          await this.sendSnapshot(1);
          this.snapshotFloor = 0;
          continue;
        }
        await this.drain(this.lastFlush);
        const release = await this.conn.pageTurn();
        let held = 0;
        let page: StoredEntry[] = [];
        try {
          if (!this.active) return;
          page = await store.readSince(this.doc, this.sentThrough, pageSize, pageBytes);
          if (page.length > 0) emptyReads = 0;
          held = page.reduce((n, e) => n + e.envelope.length, 0);
          memory.bytes += held;
          if (!this.active) return;
          const first = page[0];
          if (first && first.seq > this.sentThrough + 1) {
            // Entries after the cursor were pruned under a snapshot: send it, then read on from it.
            if (!(await this.sendSnapshot(first.seq - 1))) {
              this.d.logger.error('catchup.gap', { doc: this.doc, after: this.sentThrough, next: first.seq });
              this.sentThrough = first.seq - 1;
            }
            continue;
          }
          // Frames go out in runs of about RUN_BYTES, each in one socket write, not one write per entry.
          let run: Uint8Array[] = [];
          let runBytes = 0;
          const entryFrame = entryFrameEncoder(this.doc);
          for (const entry of page) {
            if (entry.seq !== this.sentThrough + 1 || !this.active) break;
            const own = this.acked?.delete(entry.seq) === true || hub.appender(this.doc, entry) === this.conn;
            if (!own) {
              const frame = entryFrame(entry.seq, entry.envelope);
              run.push(frame);
              runBytes += frame.length;
            }
            memory.bytes -= entry.envelope.length;
            held -= entry.envelope.length;
            this.sentThrough = entry.seq;
            if (runBytes >= RUN_BYTES) {
              await this.pushRun(run);
              run = [];
              runBytes = 0;
            }
          }
          if (run.length > 0) await this.pushRun(run);
        } finally {
          memory.bytes -= held;
          release();
        }
        // A page cut short by the byte budget reached it; a page short on both counts is the end of the log.
        const last = page.length < pageSize && page.reduce((n, e) => n + e.envelope.length, 0) < pageBytes;
        if (last && page.length === 0 && hub.head(this.doc) > this.sentThrough && this.active) {
          // The head is ahead but no entry is left after the cursor: pruned under a snapshot since the subscribe.
          // Or committed after this read: a read started after the head was seen holds it.
          if (await this.sendSnapshot(this.sentThrough + 1)) continue;
          if (++emptyReads < 2) continue;
          this.d.logger.error('catchup.gap', { doc: this.doc, after: this.sentThrough, head: hub.head(this.doc) });
          this.sentThrough = hub.head(this.doc);
        }
        if (last && hub.head(this.doc) <= this.sentThrough && this.active) {
          this.live = true;
          if (!this.caughtUpSent) {
            this.caughtUpSent = true;
            this.conn.send({ type: FrameType.CaughtUp, doc: this.doc, head: this.sentThrough });
          }
          return;
        }
      }
    } finally {
      // Runs synchronously with the return that goes live, so an offer right after can start the next catch-up.
      this.catchingUp = false;
    }
  }

  /** Sends the stored snapshot if it covers at least `minSeq` and is ahead of the peer. */
  private async sendSnapshot(minSeq: number): Promise<boolean> {
    const snap = await this.d.store.getSnapshot(this.doc);
    if (!snap || snap.seq < minSeq || snap.seq <= this.sentThrough || !this.active) return false;
    await this.push(FrameType.Snapshot, encodeFrame({ type: FrameType.Snapshot, doc: this.doc, seq: snap.seq, envelope: snap.envelope }));
    this.sentThrough = snap.seq;
    return true;
  }

  /** Sends a run of Entry frames; above the high-water mark, waits until they left (backpressure). */
  private pushRun(frames: Uint8Array[]): Promise<void> {
    return this.sendAndDrain((flushed) => this.conn.sendRun(FrameType.Entry, prepareRun(frames), flushed));
  }

  /** Sends one frame; above the high-water mark, waits until it left (backpressure). */
  private push(type: number, bytes: Uint8Array): Promise<void> {
    return this.sendAndDrain((flushed) => this.conn.sendBytes(type, bytes, flushed));
  }

  /** Runs `send` (false when nothing was sent), records when its bytes leave, and waits for that above the high-water mark. */
  private async sendAndDrain(send: (flushed: () => void) => boolean): Promise<void> {
    const flushed = new Promise<void>((resolve) => {
      if (!send(resolve)) resolve();
    });
    this.lastFlush = flushed;
    await this.drain(flushed);
  }

  /** While more than `highWater` bytes are queued to the peer, waits for `flushed` (or the close). */
  private async drain(flushed: Promise<void>): Promise<void> {
    if (this.conn.bufferedAmount <= this.d.highWater) return;
    this.d.memory.waiting++;
    try {
      await Promise.race([flushed, this.conn.closed]);
    } finally {
      this.d.memory.waiting--;
    }
  }
}
