/**
 * Binds one Y.Doc to one relay document. Local updates are coalesced for a
 * few milliseconds, sealed with the next author counter and kept in a durable
 * outbox until the relay acknowledges them; remote envelopes are verified,
 * counter-checked and decrypted before Yjs sees a byte. The relay's behaviour
 * is checked all along: tampered, forged, replayed, withheld, reordered or
 * rolled-back entries are reported with their code and never applied.
 * While catching up, entries are buffered and opened a batch at a time, so one
 * signature per author covers the batch through the authors' hash chains
 * (envelope/chain.ts); live entries are opened one by one, each on its own signature,
 * checked off the calling thread while later frames of the connection, whatever
 * their document, wait behind it in arrival order (live-queue.ts): nothing is
 * applied before its verdict or out of order.
 * At rest, the updates applied since the last save are appended to the local
 * log as one sealed record (sealed and written after the apply) and compacted
 * into one sealed state now and then (local-log.ts); while a catch-up is
 * arriving, the compaction waits for its end.
 */
import { ObservableV2 } from 'lib0/observable';
import * as Y from 'yjs';
import type { DeviceId, DocId } from '../ids.ts';
import { bytesEqual, concatBytes } from '../crypto/bytes.ts';
import { ERRORS, TendrilError, type ErrorCode, type ErrorInfo } from '../errors.ts';
import { CapMode, FrameType, type Frame } from '../wire/frames.ts';
import { streamFrameWithRoom } from '../wire/codec.ts';
import { EnvelopeKind, ZERO_PREV, type CounterCheck, type CounterTracker } from '../envelope/index.ts';
import { EPHEMERAL_OVERHEAD, type DocCipher } from './doc-cipher.ts';
import { emptyMeta, type DocStore, type SyncMeta } from './doc-store.ts';
import { decodeCoveredState, encodeCoveredState } from './local-state.ts';
import { RelayLedger } from './relay-ledger.ts';
import { LocalLog, PREFERRED_TRIM_SIZE } from './local-log.ts';
import { SyncState, type SyncProblem, type SyncStatus } from './status.ts';
import { SeqWindow } from './seq-window.ts';
import { HeldEntries } from './held-entries.ts';
import { LiveQueue } from './live-queue.ts';

/** The connection a DocSync speaks through; provided by the relay client once the handshake is done. */
export interface DocLink {
  send(frame: Frame): void;
  /** Sends a frame already encoded (codec.ts); absent on links that only take frames. */
  sendEncoded?(bytes: Uint8Array): void;
  /** The relay's challenge nonce for this connection (capability proofs sign it). */
  readonly nonce: Uint8Array;
  readonly maxFrameBytes: number;
  /**
   * The connection's queue of frames behind live entries being verified, shared by every document
   * on it so frames keep their connection order across documents. Without one, the document queues
   * its own frames.
   */
  readonly inbox?: LiveQueue;
}

export interface DocSyncOptions {
  readonly doc: DocId;
  readonly ydoc: Y.Doc;
  readonly cipher: DocCipher;
  readonly store: DocStore;
  readonly counters: CounterTracker;
  /**
   * Local updates within this window become one envelope. 0 (the default) seals the updates of one
   * turn of the event loop together, right after it, adding no latency.
   */
  readonly coalesceMs?: number;
  /**
   * Snapshot interval in entries: the device that wrote the entry at each multiple uploads one;
   * any writer does when twice this many entries follow the last snapshot.
   */
  readonly snapshotEvery?: number;
  /** Applied updates are written to the local log in one batch per this many milliseconds. */
  readonly saveDebounceMs?: number;
  /** Compact the local log into one sealed state once this many updates follow it (y-indexeddb's PREFERRED_TRIM_SIZE). */
  readonly compactAfter?: number;
  /** The clock for the relay ledger's times; Date.now by default. */
  readonly now?: () => number;
  /**
   * Catch-up entries opened together at most (their authors' hash chains let one signature per
   * author cover them); a batch is also opened at `catchUpBytes`, with the entry at the head the
   * relay announced, before any other frame (CaughtUp included) and `catchUpFlushMs` after its
   * first entry arrived. 0 (the default): once the frames already received are handled (the next
   * turn of the event loop), so one relay page is applied while the relay reads and sends the next.
   */
  readonly catchUpBatch?: number;
  readonly catchUpBytes?: number;
  readonly catchUpFlushMs?: number;
  /**
   * Check a live entry's signature off the calling thread (true, the default: it frees the thread
   * for other documents and devices while later frames wait), or inline before applying it (false:
   * one thread hop less, for a process with one document and no spare core).
   */
  readonly verifyLiveOffThread?: boolean;
}

export interface DocSyncEvents {
  status: (status: SyncStatus) => void;
  /** A presence payload from another device, opened and authenticated; never stored. */
  presence: (from: DeviceId, payload: Uint8Array) => void;
  /** A stream payload (terminal output, input) from another device, opened and authenticated. */
  stream: (from: DeviceId, payload: Uint8Array) => void;
  /** Every problem, including relay misbehaviour, as it is detected. */
  problem: (problem: SyncProblem) => void;
}

/**
 * Runs `fn` in `ms`, or with 0 once the I/O already received is handled (setImmediate where there
 * is one, as in Node; a zero timeout elsewhere). Returns the cancel.
 */
function later(fn: () => void, ms: number): () => void {
  if (ms <= 0 && typeof setImmediate === 'function') {
    const h = setImmediate(fn);
    return () => clearImmediate(h);
  }
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
}

/** Own envelopes from the outbox are re-applied at load without counter checks (Yjs updates are idempotent). */
const NO_CHECK: CounterCheck = { check(): void {} };

export class DocSync extends ObservableV2<DocSyncEvents> {
  readonly doc: DocId;
  readonly ydoc: Y.Doc;
  private readonly cipher: DocCipher;
  private readonly store: DocStore;
  private readonly counters: CounterTracker;
  /** The counter book for entries: this device's own entries coming back are not counter-checked (they are idempotent). */
  private readonly entryCounters: CounterTracker;
  private readonly opts: Required<Pick<DocSyncOptions, 'coalesceMs' | 'snapshotEvery' | 'saveDebounceMs' | 'catchUpBatch' | 'catchUpBytes' | 'catchUpFlushMs' | 'verifyLiveOffThread'>>;
  private readonly seqs = new SeqWindow();
  private readonly held = new HeldEntries();
  /** The queue of frames behind live entries being verified when the link brings none. */
  private readonly ownInbox = new LiveQueue();
  /** Frames of this document handed to handle() and not yet processed; settled() waits for none. */
  private queued = 0;
  private settledWaiters: (() => void)[] = [];
  /** Acknowledged outbox entries whose records are not written yet (one write per turn, see onAck). */
  private ackedUnsaved: number[] = [];
  private ackTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly outbox = new Map<number, Uint8Array>();
  /** The Yjs update of each outbox entry, appended to the local log once the relay acknowledges it. */
  private readonly outboxUpdates = new Map<number, Uint8Array>();
  private readonly log: LocalLog;
  private meta: SyncMeta = emptyMeta;
  /** The meta as last handed to the store. */
  private savedMeta: SyncMeta = emptyMeta;
  private link: DocLink | null = null;
  private subscribed = false;
  /**
   * Subscribed for reading with capability keys an admin replaced (E_CAPS_CHANGED): this device
   * reads the new keys sealed to it, then reconnects with them. Nothing is sent meanwhile.
   */
  private readingRetired = false;
  /** The write capability public key the last subscribe proved (to tell a stale refusal from a current one). */
  private attachedWriteKey: Uint8Array | null = null;
  private catchingUp = false;
  /** Catch-up entries received and not yet opened, in relay order. */
  private catchUp: { seq: number; envelope: Uint8Array }[] = [];
  private catchUpBytes = 0;
  /** The history length Subscribed announced: the entry at this seq ends the catch-up, so its batch is opened at once. */
  private catchUpHead = 0;
  /** Cancels the pending flush of the catch-up buffer. */
  private catchUpTimer: (() => void) | null = null;
  /**
   * The chain link of this device's last sealed update (`prev` of the next one), saved with the
   * meta. Zeros when not known (a store without it, a restored backup): that only costs readers
   * one signature check.
   */
  private chainHead: Uint8Array = ZERO_PREV;
  private lastDeliveredSeq = 0;
  private snapshotSeq = 0;
  private snapshotInFlight = false;
  private snapshotPutBytes = 0;
  /** The seq the snapshot in flight covers. */
  private snapshotPutSeq = 0;
  /**
   * The highest multiple of `snapshotEvery` that is the seq of an entry this device wrote: it is the
   * one device elected to snapshot up to there (exactly one device wrote that entry).
   */
  private snapshotDue = 0;
  /** What this document put on or got from the relay while open here: sizes, authors, times (no content). */
  readonly ledger: RelayLedger;
  private pending: Uint8Array[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private microtaskFlush = false;
  private saveTimer: ReturnType<typeof setTimeout> | null = null;
  /** A snapshot was applied since the last compaction: the next save compacts, whatever the log's length. */
  private stateBehind = false;
  private chain: Promise<void> = Promise.resolve();
  private destroyed = false;
  private current: SyncStatus = { state: SyncState.Offline, progress: { received: 0, expected: 0 }, unacked: 0, error: null };

  private constructor(o: DocSyncOptions) {
    super();
    this.doc = o.doc;
    this.ydoc = o.ydoc;
    this.cipher = o.cipher;
    this.store = o.store;
    this.counters = o.counters;
    const self = o.cipher.self;
    this.entryCounters = Object.assign(Object.create(o.counters) as CounterTracker, {
      check: (author: DeviceId, kind: EnvelopeKind, counter: number) => (author === self ? undefined : o.counters.check(author, kind, counter)),
    });
    this.opts = {
      coalesceMs: o.coalesceMs ?? 0,
      snapshotEvery: o.snapshotEvery ?? 500,
      saveDebounceMs: o.saveDebounceMs ?? 100,
      catchUpBatch: Math.max(1, o.catchUpBatch ?? 512),
      catchUpBytes: o.catchUpBytes ?? 4 << 20,
      catchUpFlushMs: o.catchUpFlushMs ?? 0,
      verifyLiveOffThread: o.verifyLiveOffThread ?? true,
    };
    this.log = new LocalLog(o.store, o.cipher, o.compactAfter ?? PREFERRED_TRIM_SIZE);
    this.ledger = new RelayLedger(o.now);
  }

  /** Loads the sealed local state, the records appended after it and the outbox, then starts capturing local updates. */
  static async open(o: DocSyncOptions): Promise<DocSync> {
    const s = new DocSync(o);
    await s.load();
    s.ydoc.on('afterTransactionCleanup', s.onTransactionCleanup);
    return s;
  }

  get status(): SyncStatus {
    return this.current;
  }
  get cursor(): number {
    return this.seqs.cursor;
  }
  get unacked(): number {
    return this.outbox.size + (this.pending.length > 0 ? 1 : 0);
  }

  private async load(): Promise<void> {
    const loaded = await this.store.load();
    const self = this.cipher.self;
    let myCounter = loaded.meta?.myCounter ?? 0;
    const records = this.log.open(loaded.updates);
    Y.transact(
      this.ydoc,
      () => {
        if (loaded.state) {
          const st = decodeCoveredState(this.cipher.openLocal(loaded.state));
          Y.applyUpdate(this.ydoc, st.state, this);
          this.seqs.reset(st.seq);
          this.counters.advanceTo(st.covers);
          myCounter = Math.max(myCounter, st.covers.get(self) ?? 0);
        }
        // The cursor is rebuilt from the stored records only, so it never runs ahead of them.
        for (const r of records) {
          if (r.update.length > 0) Y.applyUpdate(this.ydoc, r.update, this);
          if (r.seq > 0) this.seqs.add(r.seq);
          if (r.author?.device === self) myCounter = Math.max(myCounter, r.author.counter);
          else if (r.author) this.counters.advanceTo(new Map([[r.author.device, r.author.counter]]));
        }
        for (const e of loaded.outbox) {
          const opened = this.cipher.open(e.envelope, NO_CHECK);
          Y.applyUpdate(this.ydoc, opened.plaintext, this);
          this.outbox.set(e.counter, e.envelope);
          this.outboxUpdates.set(e.counter, opened.plaintext);
          myCounter = Math.max(myCounter, e.counter);
        }
      },
      this,
    );
    // The chain resumes from this device's newest update: the newest unacknowledged change, else the
    // link saved with the meta. A link for an older counter is stale and not used.
    const newest = loaded.outbox[loaded.outbox.length - 1];
    const saved = loaded.meta?.chainHead;
    if (newest && newest.counter === myCounter) this.chainHead = this.cipher.chainHash(newest.envelope);
    else if (saved && saved.counter === myCounter) this.chainHead = saved.link;
    this.meta = { myCounter, maxSeenSeq: loaded.meta?.maxSeenSeq ?? 0, ...(this.chainHead === ZERO_PREV ? {} : { chainHead: { counter: myCounter, link: this.chainHead } }) };
    this.savedMeta = loaded.meta ?? emptyMeta;
    if (this.log.compactionDue) this.scheduleSave();
    this.emitStatus({});
  }

  // ---- local changes -------------------------------------------------------

  /**
   * Yjs encodes a transaction as an update only while someone listens to `update`, and this
   * device needs the bytes of its local changes only: the listener is on for a local transaction
   * and off for an applied relay entry, which then costs no encoding (unless another listener
   * asks for it). Yjs checks for listeners right after this event, transaction by transaction.
   */
  private listening = false;
  private readonly onTransactionCleanup = (tr: Y.Transaction): void => {
    const local = tr.origin !== this;
    if (local === this.listening) return;
    this.listening = local;
    if (local) this.ydoc.on('update', this.onLocalUpdate);
    else this.ydoc.off('update', this.onLocalUpdate);
  };

  private readonly onLocalUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this || this.destroyed) return;
    if (!this.cipher.canWrite) {
      this.report('E_FORBIDDEN', 'this device may only read this document; the local change is not sent');
      return;
    }
    this.pending.push(update);
    if (this.flushTimer !== null || this.microtaskFlush) return;
    if (this.opts.coalesceMs === 0) {
      // No added latency: updates made in the same turn become one envelope, sealed right after it.
      this.microtaskFlush = true;
      queueMicrotask(() => {
        this.microtaskFlush = false;
        void this.flush();
      });
    } else this.flushTimer = setTimeout(() => void this.flush(), this.opts.coalesceMs);
    this.emitStatus({});
  };

  /** Seals and stores every pending local update; resolves once they are in the durable outbox. */
  flush(): Promise<void> {
    if (this.flushTimer !== null) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    const updates = this.pending;
    this.pending = [];
    if (updates.length > 0) this.chain = this.chain.then(() => this.sealAndQueue(updates));
    return this.chain;
  }

  private async sealAndQueue(updates: Uint8Array[]): Promise<void> {
    const limit = (this.link?.maxFrameBytes ?? 1 << 20) - 1024;
    const merged = Y.mergeUpdates(updates);
    const groups = merged.length + 256 <= limit || updates.length === 1 ? [merged] : updates;
    for (const update of groups) {
      const counter = this.meta.myCounter + 1;
      const envelope = this.cipher.seal(EnvelopeKind.Update, counter, update, this.chainHead);
      this.chainHead = this.cipher.chainHash(envelope);
      this.meta = { ...this.meta, myCounter: counter, chainHead: { counter, link: this.chainHead } };
      await this.store.putOutbox({ counter, envelope });
      this.outbox.set(counter, envelope);
      this.outboxUpdates.set(counter, update);
      if (envelope.length > limit) this.report('E_FRAME_TOO_LARGE', `a local change of ${envelope.length} bytes exceeds the relay frame limit; it stays on this device`);
      else this.sendEnvelope(counter, envelope);
    }
    this.emitStatus({});
  }

  private sendEnvelope(counter: number, envelope: Uint8Array): void {
    if (this.link && this.subscribed && this.cipher.canWrite && !this.readingRetired) this.link.send({ type: FrameType.Envelope, doc: this.doc, ref: counter, envelope });
  }

  // ---- connection ----------------------------------------------------------

  /** Called by the relay client after each successful handshake. */
  attach(link: DocLink): void {
    this.link = link;
    this.subscribed = false;
    this.readingRetired = false;
    this.attachedWriteKey = this.cipher.caps.writeKey;
    const mode = this.cipher.canWrite ? CapMode.Write : CapMode.Read;
    link.send({
      type: FrameType.Subscribe,
      doc: this.doc,
      cursor: this.seqs.cursor,
      mode,
      proof: this.cipher.subscribeProof(link.nonce, mode),
      // Capability keys derive from the scope keys, so every writer registers the same ones:
      // whichever writer reaches the relay first creates the document, the rest are no-ops.
      ...(this.cipher.canWrite ? { create: this.cipher.caps } : {}),
    });
    this.emitStatus({ state: SyncState.Connecting });
  }

  /** Subscribes again on the current connection (after its capability keys changed); false when offline. */
  resubscribe(): boolean {
    if (!this.link || this.destroyed) return false;
    this.attach(this.link);
    return true;
  }

  /** Called when the connection drops; local changes keep queueing. */
  detach(): void {
    // Entries already received are applied: they are checked as they would be at CaughtUp.
    this.flushCatchUp();
    // Live entries still being verified are applied once verified, and acknowledgements kept; the
    // other frames that came after them on this connection no longer apply.
    this.inbox.markStale(this);
    this.ownInbox.markStale(this);
    this.link = null;
    this.subscribed = false;
    this.catchingUp = false;
    this.snapshotInFlight = false;
    this.emitStatus({ state: SyncState.Offline });
  }

  /**
   * Routes one relay frame that names this document. A live entry's signature is checked off the
   * calling thread; it and every frame after it on the connection (the link's inbox, shared by
   * its documents) wait in arrival order until its verdict is in (see {@link DocSync.settled}).
   * The frame's bytes are kept until then and must not change: the signature is checked on them
   * as they are now, the ciphertext is read when the entry is opened (decodeFrame gives each frame
   * its own copy).
   */
  handle(frame: Frame): void {
    if (this.destroyed) return;
    const inbox = this.inbox;
    // Live as far as known now: an entry behind a queued Subscribed or CaughtUp is treated as a
    // catch-up entry (no check started; it is checked inline if it turns out live).
    const live = frame.type === FrameType.Entry && this.opts.verifyLiveOffThread && this.subscribed && !this.catchingUp && !this.seqs.has(frame.seq);
    if (!live && inbox.size === 0) return this.deliver(frame, undefined, false);
    this.queued++;
    const deliver = (verdict: boolean | undefined, stale: boolean): void => {
      try {
        this.deliver(frame, verdict, stale);
      } finally {
        if (--this.queued === 0) for (const w of this.settledWaiters.splice(0)) w();
      }
    };
    inbox.push(this, deliver, live ? this.cipher.verdict(frame.envelope) : undefined);
  }

  private get inbox(): LiveQueue {
    return this.link?.inbox ?? this.ownInbox;
  }

  /** Resolves once every frame handed to {@link DocSync.handle} so far has been processed. */
  settled(): Promise<void> {
    if (this.queued === 0) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  /** Processes one frame in arrival order; `verdict`: its signature's, checked while it was queued. */
  private deliver(frame: Frame, verdict: boolean | undefined, stale: boolean): void {
    if (this.destroyed) return;
    if (stale) {
      // From a connection that is gone: what the relay stored still counts (entries, acknowledgements),
      // but not that connection's catch-up and order checks, which a newer connection has restarted.
      if (frame.type === FrameType.Entry) return this.onStaleEntry(frame.seq, frame.envelope, verdict);
      if (frame.type !== FrameType.Ack) return;
    }
    if (frame.type !== FrameType.Entry) this.flushCatchUp();
    switch (frame.type) {
      case FrameType.Subscribed: return this.onSubscribed(frame.head, frame.snapshotSeq);
      case FrameType.Snapshot: return this.onSnapshot(frame.seq, frame.envelope);
      case FrameType.SnapshotStored: return this.onSnapshotStored(frame.seq);
      case FrameType.Entry: return this.onEntry(frame.seq, frame.envelope, verdict);
      case FrameType.CaughtUp: return this.onCaughtUp(frame.head);
      case FrameType.Ack: return this.onAck(frame.ref, frame.seq);
      case FrameType.Error: return this.onError(frame.code, frame.message, frame.ref, frame.retryAfterMs);
      case FrameType.Presence: {
        const payload = this.cipher.openEphemeral('presence', frame.from, frame.payload);
        if (payload) this.emit('presence', [frame.from, payload]);
        return;
      }
      case FrameType.Stream: {
        const payload = this.cipher.openEphemeral('stream', frame.from, frame.payload);
        if (payload) this.emit('stream', [frame.from, payload]);
        return;
      }
      default: return;
    }
  }

  private onSubscribed(head: number, snapshotSeq: number): void {
    this.subscribed = true;
    this.snapshotSeq = snapshotSeq;
    this.lastDeliveredSeq = 0;
    if (head < this.meta.maxSeenSeq) {
      this.report('E_ROLLBACK', `the relay's history ends at ${head} but it acknowledged ${this.meta.maxSeenSeq} before`);
      return;
    }
    this.catchingUp = true;
    this.catchUpHead = head;
    this.noteSeen(head);
    this.emitStatus({ state: SyncState.Syncing, progress: { received: 0, expected: Math.max(0, head - this.seqs.cursor) } });
    for (const [counter, envelope] of [...this.outbox].sort((a, b) => a[0] - b[0])) this.sendEnvelope(counter, envelope);
  }

  private onSnapshot(seq: number, envelope: Uint8Array): void {
    if (seq <= this.seqs.cursor) return;
    try {
      const opened = this.cipher.open(envelope, NO_CHECK);
      if (opened.header.kind !== EnvelopeKind.Snapshot) throw new TendrilError('E_ENVELOPE_MALFORMED', 'an update was served as a snapshot');
      const body = decodeCoveredState(opened.plaintext);
      if (body.seq !== seq) throw new TendrilError('E_WITHHELD', `the relay served a snapshot of seq ${body.seq} as one of seq ${seq}`);
      this.applyYjs(body.state);
      this.counters.advanceTo(body.covers);
      this.seqs.reset(seq);
      this.snapshotSeq = seq;
      this.ledger.snapshot(seq, envelope.byteLength, 'received');
      this.noteSeen(seq);
      this.retryHeld();
      // A snapshot is a whole state: the next save compacts rather than log it (records written
      // after it would otherwise follow a stored state that lacks it).
      this.stateBehind = true;
      this.scheduleSave();
    } catch (e) {
      this.reportError(e);
    }
  }

  /**
   * Another device stored a snapshot. Only the seq to count the next snapshot from moves (never past
   * what the relay said it holds): a relay that lies can delay this device's uploads, as refusing
   * them would.
   */
  private onSnapshotStored(seq: number): void {
    this.snapshotSeq = Math.max(this.snapshotSeq, Math.min(seq, this.meta.maxSeenSeq));
  }

  /** `verdict`: the signature's, when it was checked off the thread while the entry was queued. */
  private onEntry(seq: number, envelope: Uint8Array, verdict?: boolean): void {
    if (seq <= this.lastDeliveredSeq && this.catchingUp) {
      this.report('E_REORDER', `entry ${seq} arrived after entry ${this.lastDeliveredSeq}`);
      return;
    }
    this.lastDeliveredSeq = Math.max(this.lastDeliveredSeq, seq);
    this.noteSeen(seq);
    if (this.seqs.has(seq)) return;
    if (this.catchingUp) {
      this.bufferCatchUp(seq, envelope);
      return;
    }
    this.tryApply(seq, envelope, verdict);
    this.scheduleSave();
    this.maybeSnapshot();
  }

  private onStaleEntry(seq: number, envelope: Uint8Array, verdict?: boolean): void {
    this.noteSeen(seq);
    if (this.seqs.has(seq)) return;
    this.tryApply(seq, envelope, verdict);
    this.scheduleSave();
  }

  private bufferCatchUp(seq: number, envelope: Uint8Array): void {
    this.catchUp.push({ seq, envelope });
    this.catchUpBytes += envelope.byteLength;
    const full = this.catchUp.length >= this.opts.catchUpBatch || this.catchUpBytes >= this.opts.catchUpBytes;
    if (full || seq >= this.catchUpHead) this.flushCatchUp();
    else this.catchUpTimer ??= later(() => this.flushCatchUp(), this.opts.catchUpFlushMs);
  }

  /**
   * Opens the buffered catch-up entries in relay order. Their signature verdicts come from the
   * authors' hash chains (one Ed25519 check per author when the chains are intact); every other
   * check runs per entry in tryApply, exactly as for a live entry.
   */
  private flushCatchUp(): void {
    this.catchUpTimer?.();
    this.catchUpTimer = null;
    const batch = this.catchUp;
    if (batch.length === 0) return;
    this.catchUp = [];
    this.catchUpBytes = 0;
    const verdicts = this.cipher.verdicts(batch.map((e) => e.envelope));
    // One Yjs transaction for the batch: observers and the document's update event run once for it,
    // not once per entry. Each entry is still opened, checked and applied on its own, in relay order.
    Y.transact(
      this.ydoc,
      () => {
        batch.forEach((e, i) => {
          if (!this.seqs.has(e.seq)) this.tryApply(e.seq, e.envelope, verdicts[i]);
        });
      },
      this,
    );
    const p = this.current.progress;
    this.emitStatus({ progress: { received: p.received + batch.length, expected: p.expected } });
    this.scheduleSave();
    this.maybeSnapshot();
  }

  /**
   * Opens and applies one entry, holding it when an earlier counter of its author is missing.
   * `signatureValid`: the verdict of a catch-up batch (flushCatchUp) or of a live entry's own check
   * (handle); undefined checks the signature here.
   */
  private tryApply(seq: number, envelope: Uint8Array, signatureValid?: boolean): boolean {
    try {
      const opened = this.cipher.open(envelope, this.entryCounters, signatureValid);
      const { kind, author, counter } = opened.header;
      if (kind !== EnvelopeKind.Update) throw new TendrilError('E_ENVELOPE_MALFORMED', 'a snapshot was served as an entry');
      this.applyYjs(opened.plaintext);
      this.log.add({ seq, author: { device: author, counter }, update: opened.plaintext });
      this.ledger.entry(seq, envelope.byteLength, author, author === this.cipher.self ? 'sent' : 'received');
      this.scheduleSave();
      if (author !== this.cipher.self) this.counters.commit(author, kind, counter);
      // This device's own entries coming back (a restored backup, a lost local state) raise its
      // counter, so it never reuses one.
      else if (counter > this.meta.myCounter) {
        this.chainHead = this.cipher.chainHash(envelope);
        this.meta = { ...this.meta, myCounter: counter, chainHead: { counter, link: this.chainHead } };
      }
      this.seqs.add(seq);
      this.held.drop(seq);
      if (author !== this.cipher.self) this.retryHeld();
      return true;
    } catch (e) {
      const code = e instanceof TendrilError ? e.code : 'E_DECODE_FAILED';
      if (code === 'E_COUNTER_GAP' || code === 'E_UNKNOWN_AUTHOR' || code === 'E_UNKNOWN_EPOCH') {
        this.held.hold(seq, envelope, code, signatureValid);
        return false;
      }
      // A replay repeats something already applied: safe to count as seen. Anything else stays
      // uncounted, so the cursor stops before it and a later catch-up asks for it again.
      if (code === 'E_REPLAY') {
        this.seqs.add(seq);
        this.log.add({ seq, author: null, update: new Uint8Array(0) });
      }
      this.reportError(e);
      return false;
    }
  }

  /** Re-tries held entries (after a gap filled or the member list changed). */
  retryHeld(): void {
    let progress = true;
    while (progress) {
      progress = false;
      for (const h of this.held.list()) if (this.tryApply(h.seq, h.envelope, h.signatureValid)) progress = true;
    }
  }

  private applyYjs(update: Uint8Array): void {
    try {
      Y.applyUpdate(this.ydoc, update, this);
    } catch (cause) {
      throw new TendrilError('E_DECODE_FAILED', 'a verified update does not decode as Yjs', { cause });
    }
  }

  private onCaughtUp(head: number): void {
    this.noteSeen(head);
    this.catchingUp = false;
    const missing = this.seqs.cursor < head;
    const stuck = this.held.list();
    if (stuck.length > 0) {
      // A counter gap still open after catch-up means the relay withheld an entry.
      const codes = new Set(stuck.map((h): ErrorCode => (h.code === 'E_COUNTER_GAP' ? 'E_WITHHELD' : h.code)));
      for (const code of codes) {
        const n = stuck.filter((h) => (h.code === 'E_COUNTER_GAP' ? 'E_WITHHELD' : h.code) === code).length;
        this.report(code, `${n} entries could not be applied after catch-up`);
      }
    } else if (missing && this.current.error === null) {
      this.report('E_WITHHELD', `caught up to ${head} but entries after ${this.seqs.cursor} never arrived`);
    }
    if (this.current.error === null) this.emitStatus({ state: SyncState.Synced });
    this.scheduleSave();
    this.maybeSnapshot();
  }

  private onAck(ref: number, seq: number): void {
    this.noteSeen(seq);
    if (ref === 0) {
      this.snapshotInFlight = false;
      if (this.snapshotPutBytes > 0) this.ledger.snapshot(seq, this.snapshotPutBytes, 'sent');
      this.snapshotSeq = Math.max(this.snapshotSeq, Math.min(seq, this.meta.maxSeenSeq));
      return;
    }
    const sent = this.outbox.get(ref);
    if (!sent) return;
    this.ledger.entry(seq, sent.byteLength, this.cipher.self, 'sent');
    this.outbox.delete(ref);
    this.seqs.add(seq);
    if (seq % this.opts.snapshotEvery === 0) this.snapshotDue = Math.max(this.snapshotDue, seq);
    // The change moves from the outbox to the log, now with its seq, in one transaction: written
    // after this turn (with the other acknowledgements of the turn), off the path of the entries
    // arriving with it. Until then the outbox keeps it, so a crash resends rather than loses it.
    this.log.add({ seq, author: { device: this.cipher.self, counter: ref }, update: this.outboxUpdates.get(ref) ?? new Uint8Array(0) });
    this.outboxUpdates.delete(ref);
    this.ackedUnsaved.push(ref);
    this.ackTimer ??= setTimeout(() => {
      this.ackTimer = null;
      void this.persist();
    }, 0);
    this.emitStatus({});
    this.maybeSnapshot();
  }

  private onError(code: string, message: string, ref: number, retryAfterMs: number): void {
    if (code === 'E_RATE_LIMITED' && ref > 0) {
      setTimeout(() => {
        const env = this.outbox.get(ref);
        if (env) this.sendEnvelope(ref, env);
      }, Math.max(10, retryAfterMs));
      return;
    }
    if (code === 'E_RATE_LIMITED') {
      // A frame without a ref was dropped: the subscribe (nothing would ever sync) or a snapshot (none
      // would be offered again). Ask again after the delay, on the same connection.
      const link = this.link;
      this.snapshotInFlight = false;
      if (link && !this.subscribed) {
        setTimeout(() => {
          if (this.link === link && !this.subscribed && !this.destroyed) this.attach(link);
        }, Math.max(10, retryAfterMs));
      }
      return;
    }
    if (ref === 0 && code === 'E_SNAPSHOT_REJECTED') {
      // Mostly "a snapshot at or after this seq is already stored": count from there, rather than
      // offer the whole state again with the next entry.
      this.snapshotInFlight = false;
      this.snapshotSeq = Math.max(this.snapshotSeq, this.snapshotPutSeq);
      return;
    }
    if (code === 'E_CAPS_CHANGED' && this.link && this.resubscribeAfterCapsChange(this.link)) return;
    const known = code in ERRORS ? (code as ErrorCode) : 'E_BAD_INPUT';
    this.report(known, `relay: ${message}`);
  }

  /**
   * An admin replaced this document's capability keys. Keys adopted since the last subscribe: plain
   * resubscribe. Still the old ones: subscribe to read with them (the relay allows it for the devices
   * the admin named), so the new keys sealed to this device arrive; false when that was tried already.
   */
  private resubscribeAfterCapsChange(link: DocLink): boolean {
    const caps = this.cipher.caps;
    if (this.attachedWriteKey && !bytesEqual(this.attachedWriteKey, caps.writeKey)) {
      this.attach(link);
      return true;
    }
    if (this.readingRetired) return false;
    this.readingRetired = true;
    this.subscribed = false;
    link.send({ type: FrameType.Subscribe, doc: this.doc, cursor: this.seqs.cursor, mode: CapMode.Read, proof: this.cipher.subscribeProof(link.nonce, CapMode.Read) });
    return true;
  }

  private noteSeen(seq: number): void {
    if (seq > this.meta.maxSeenSeq) this.meta = { ...this.meta, maxSeenSeq: seq };
  }

  /** Sends an ephemeral presence payload to the document's other subscribers (dropped when offline). */
  sendPresence(payload: Uint8Array): void {
    if (!this.link || !this.subscribed) return;
    this.link.send({ type: FrameType.Presence, doc: this.doc, from: this.cipher.self, payload: this.cipher.sealEphemeral('presence', payload) });
  }

  /**
   * Sends an ephemeral stream payload to the document's other subscribers, or to one device; a payload
   * in parts is sent as their concatenation, sealed straight into its frame (one copy of the bytes).
   * Returns false when not connected (the caller keeps what it needs for a later replay).
   */
  sendStream(payload: Uint8Array | readonly Uint8Array[], to: DeviceId | '' = ''): boolean {
    const link = this.link;
    if (!link || !this.subscribed) return false;
    const parts = payload instanceof Uint8Array ? [payload] : payload;
    if (link.sendEncoded) {
      let length = EPHEMERAL_OVERHEAD;
      for (const p of parts) length += p.length;
      const frame = streamFrameWithRoom({ doc: this.doc, from: this.cipher.self, to }, length);
      this.cipher.sealEphemeralInto('stream', parts, frame.bytes, frame.payloadAt);
      link.sendEncoded(frame.bytes);
    } else {
      const plaintext = parts.length === 1 ? parts[0]! : concatBytes(...parts);
      link.send({ type: FrameType.Stream, doc: this.doc, from: this.cipher.self, to, payload: this.cipher.sealEphemeral('stream', plaintext) });
    }
    return true;
  }

  // ---- snapshots and persistence ---------------------------------------------

  private maybeSnapshot(): void {
    const l = this.link;
    if (!l || !this.subscribed || this.catchingUp || !this.cipher.canWrite || this.readingRetired || this.snapshotInFlight) return;
    if (this.outbox.size > 0 || this.pending.length > 0 || this.held.size > 0) return;
    const cursor = this.seqs.cursor;
    if (this.seqs.pendingAbove > 0) return;
    // One upload per interval, by the device that wrote the entry at its boundary; any writer when
    // the tail reaches two intervals (the elected device went away before uploading).
    const every = this.opts.snapshotEvery;
    const tail = cursor - this.snapshotSeq;
    const elected = this.snapshotDue > this.snapshotSeq && cursor >= this.snapshotDue && tail >= every / 2;
    if (!elected && tail < 2 * every) return;
    const body = encodeCoveredState({ seq: cursor, covers: this.coveredCounters(), state: Y.encodeStateAsUpdate(this.ydoc) });
    this.snapshotInFlight = true;
    // A snapshot's counter is the seq it covers: it only ever grows, as snapshot counters must.
    // Snapshots are outside the update chain: version 2 with a zero link.
    const envelope = this.cipher.seal(EnvelopeKind.Snapshot, cursor, body, ZERO_PREV);
    this.snapshotPutBytes = envelope.byteLength;
    this.snapshotPutSeq = cursor;
    l.send({ type: FrameType.SnapshotPut, doc: this.doc, ref: 0, seq: cursor, envelope });
  }

  /** Update counters the current state includes: every applied author's, and this device's own. */
  private coveredCounters(): Map<DeviceId, number> {
    const covers = new Map<DeviceId, number>();
    for (const [author, n] of this.counters.toJSON().updates) if (n > 0) covers.set(author as DeviceId, n);
    if (this.meta.myCounter > 0) covers.set(this.cipher.self, this.meta.myCounter);
    return covers;
  }

  private scheduleSave(): void {
    if (this.saveTimer !== null || this.destroyed) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      void this.persist();
    }, this.opts.saveDebounceMs);
  }

  private enqueue(write: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(write);
    return this.chain;
  }

  /**
   * Writes the records not yet stored (with acknowledged outbox entries and the meta) in one
   * transaction, then compacts when the log has grown past its threshold.
   */
  persist(ackedNow: readonly number[] = []): Promise<void> {
    this.flushCatchUp();
    const acked = [...this.ackedUnsaved, ...ackedNow];
    this.ackedUnsaved = [];
    // While the history the relay announced is still arriving, records are appended and the
    // compaction waits for its end: re-encoding and sealing the whole state at every save of a long
    // catch-up would cost more than the entries.
    const arriving = this.catchingUp && this.seqs.cursor < this.catchUpHead;
    const due = this.stateBehind || (this.log.compactionDue && !arriving);
    // When a compaction follows, buffered records need no write of their own (the state holds
    // them), except with an ack: the acknowledged change must leave the outbox only with its record.
    if (acked.length > 0 || (!due && (this.log.pending > 0 || this.meta !== this.savedMeta))) {
      this.savedMeta = this.meta;
      this.enqueue(this.log.takeWrite(this.meta, acked));
    }
    return due ? this.saveNow() : this.chain;
  }

  /** Compacts: seals the current state (Yjs + cursor + counters) and replaces every record it includes. */
  saveNow(): Promise<void> {
    this.stateBehind = false;
    const state = this.cipher.sealLocal(encodeCoveredState({ seq: this.seqs.cursor, covers: this.coveredCounters(), state: Y.encodeStateAsUpdate(this.ydoc) }));
    this.savedMeta = this.meta;
    return this.enqueue(this.log.takeCompaction(state, this.meta));
  }

  // ---- status ----------------------------------------------------------------

  private report(code: ErrorCode, message: string): void {
    const problem: SyncProblem = { code, message, relayMisbehaviour: (ERRORS[code] as ErrorInfo).relayMisbehaviour === true };
    this.emit('problem', [problem]);
    this.emitStatus({ state: SyncState.Error, error: problem });
  }

  private reportError(e: unknown): void {
    if (e instanceof TendrilError) this.report(e.code, e.message);
    else this.report('E_DECODE_FAILED', e instanceof Error ? e.message : String(e));
  }

  private emitStatus(patch: Partial<SyncStatus>): void {
    const next: SyncStatus = { ...this.current, ...patch, unacked: this.unacked };
    if (patch.state !== undefined && patch.state !== SyncState.Error && patch.error === undefined) {
      (next as { error: SyncProblem | null }).error = patch.state === SyncState.Synced || patch.state === SyncState.Offline ? null : this.current.error;
    }
    this.current = next;
    this.emit('status', [next]);
  }

  /** Resolves when every local change is acknowledged and the document is caught up (or rejects at the deadline). */
  whenSynced(timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (this.subscribed && !this.catchingUp && this.unacked === 0) {
          this.off('status', onStatus);
          clearTimeout(timer);
          resolve();
          return true;
        }
        return false;
      };
      const onStatus = (): void => void check();
      const timer = setTimeout(() => {
        this.off('status', onStatus);
        const e = this.current.error;
        const why = e ? `, ${e.code}: ${e.message}; ${(ERRORS[e.code] as ErrorInfo).recovery}` : '';
        reject(new TendrilError('E_TIMEOUT', `document ${this.doc} did not sync within ${timeoutMs} ms (${this.current.state}, ${this.unacked} unacknowledged${why})`));
      }, timeoutMs);
      this.on('status', onStatus);
      void this.flush().then(check);
    });
  }

  /** Flushes pending changes, saves the state, and stops listening. */
  async close(): Promise<void> {
    await this.settled();
    this.flushCatchUp();
    await this.flush();
    if (this.saveTimer !== null) clearTimeout(this.saveTimer);
    if (this.ackTimer !== null) clearTimeout(this.ackTimer);
    this.saveTimer = null;
    this.ackTimer = null;
    // Acknowledged changes leave the outbox with their records, before the compaction.
    if (this.ackedUnsaved.length > 0) await this.persist();
    await this.saveNow();
    this.destroyed = true;
    this.ydoc.off('afterTransactionCleanup', this.onTransactionCleanup);
    this.ydoc.off('update', this.onLocalUpdate);
    super.destroy();
  }
}
