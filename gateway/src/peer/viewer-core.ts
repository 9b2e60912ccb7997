/**
 * The device side of a terminal session, free of Node: restore the latest
 * screen snapshot, replay the output batches after it, then follow live
 * output in seq order, with no byte lost or doubled (a gap that stays open
 * makes the viewer ask the gateway again from where it is). Writers type
 * through `send`: every input frame is signed by this device and carries a
 * strictly increasing counter, so the gateway can refuse anything else. The
 * counter never comes from the clock (a clock set back would make every
 * keystroke look like a replay): the gateway's answer to a join says the last
 * counter it accepted from this device, and input typed before that answer
 * waits for it. An input the gateway refuses comes back as a notice
 * (`onNotice`); one refused as a replay (another window of this device typed
 * in between) also moves the counter above the gateway's, so the next
 * keystroke passes. Refused input is never resent by itself: the device
 * cannot tell a frame the gateway never typed from one a relay replayed.
 *
 * The screen and the snapshot's gunzip are injected: a headless xterm and
 * node:zlib in the CLI (term-viewer.ts), xterm.js and DecompressionStream in
 * the browser.
 */
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import type { DeviceId } from '@tendril/crdt-schema/ids';
import { Scope } from '@tendril/crdt-schema/keyring';
import { terminalDoc, type SessionEntry } from '@tendril/crdt-schema/schema';
import type { DocSync, SyncStatus } from '@tendril/crdt-schema/sync';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { isGridSize } from '../terminal/deps.ts';
import { decodeSnapshot } from '../terminal/snapshot-codec.ts';
import { signInput } from './signatures.ts';
import { decodeTerm, encodeTerm, TermTag } from './term-messages.ts';
import { FileTransfers } from './file-transfers.ts';
import { provenOwner, writersOf } from './writers.ts';

/** Where output is drawn. Calls arrive in order, each after the previous write resolved. */
export interface Screen {
  /** Resolves once `bytes` are parsed. */
  write(bytes: Uint8Array): Promise<void>;
  /** Clears everything (a snapshot follows) and sets the size. */
  reset(cols: number, rows: number): void;
  resize(cols: number, rows: number): void;
}

/** Unpacks a snapshot's gzip payload into the bytes that rebuild the screen. */
export type SnapshotGunzip = (gzip: Uint8Array) => Promise<Uint8Array>;

export interface ViewerCoreOptions {
  readonly crypto: CryptoProvider;
  readonly session: WorkspaceSession;
  readonly entry: SessionEntry;
  readonly screen: Screen;
  readonly gunzip: SnapshotGunzip;
  /** Called after each message from the gateway is taken in. */
  readonly onChange?: () => void;
  /** Told when the gateway refused this device's input (not a writer, revoked, ...): show it. */
  readonly onNotice?: (notice: ViewerNotice) => void;
}

/** Something the viewer's user should hear about. */
export interface ViewerNotice {
  readonly kind: 'input-refused';
  /** The gateway's reason (input-gate.ts DropReason: not-writer, revoked, replay, ...). */
  readonly reason: string;
  readonly message: string;
}


const REJOIN_AFTER_MS = 250;

export class ViewerCore {
  readonly entry: SessionEntry;
  private readonly o: ViewerCoreOptions;
  private sync: DocSync | null = null;
  private writes: Promise<void> = Promise.resolve();
  private nextSeq = 0;
  private restored = false;
  /** Output received ahead of `nextSeq`, by first seq: the bytes of `count` batches (a merged run has several). */
  private readonly early = new Map<number, { bytes: Uint8Array; count: number }>();
  private behindTimer: ReturnType<typeof setTimeout> | undefined;
  private lastJoin = 0;
  private counter = 0;
  /** Whether the gateway said where this device's counter stands; input waits for that. */
  private counterKnown = false;
  private readonly held: Uint8Array[] = [];
  private ended: number | null = null;
  private closed = false;
  private live = false;
  private rejoin = false;
  private liveWaiters: (() => void)[] = [];

  constructor(o: ViewerCoreOptions) {
    this.o = o;
    this.entry = o.entry;
  }

  private transfers: FileTransfers | null = null;

  /** File uploads into and downloads out of the session's working directory (writers only; the gateway decides). */
  get files(): FileTransfers {
    if (!this.transfers) throw new Error('the viewer is not open');
    return this.transfers;
  }

  /** The session document, once `open` has run. */
  get doc(): DocSync {
    if (!this.sync) throw new Error('the viewer is not open');
    return this.sync;
  }

  /** Opens the session document, restores what it holds, and asks the gateway to catch this viewer up. */
  async open(timeoutMs = 15_000): Promise<void> {
    const sync = await this.o.session.peer.openDoc({ doc: this.entry.docId, scope: Scope.Terminals });
    this.sync = sync;
    this.transfers = new FileTransfers({
      crypto: this.o.crypto,
      identity: this.o.session.home.identity,
      session: this.entry.id,
      gateway: this.entry.gateway,
      send: (m) => sync.sendStream(encodeTerm(m), this.entry.gateway),
    });
    sync.on('stream', this.onStream);
    this.o.session.connect();
    await sync.whenSynced(timeoutMs);
    // From here on, a connection that drops and comes back asks the gateway again (see onStatus).
    sync.on('status', this.onStatus);
    // Size frames are ephemeral and may be lost: the size the gateway records in the document is followed too.
    sync.ydoc.on('update', this.onDocUpdate);
    const doc = terminalDoc(sync.ydoc);
    const size = doc.toJSON().size;
    if (size) this.enqueue(() => this.reset(size.cols, size.rows));
    const stored = doc.snapshots.latest();
    if (stored) this.restore(stored.bytes);
    this.join();
  }

  /** Stops listening; the document stays open in the session. */
  close(): void {
    this.closed = true;
    clearTimeout(this.behindTimer);
    this.sync?.off('stream', this.onStream);
    this.sync?.off('status', this.onStatus);
    this.sync?.ydoc.off('update', this.onDocUpdate);
  }

  /**
   * Resolves once the gateway answered this viewer's latest join (everything output before it is
   * here and drawn), or at the deadline with false (a gateway that is away never answers).
   */
  async whenLive(timeoutMs = 15_000): Promise<boolean> {
    if (!this.live) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        this.liveWaiters.push(resolve);
      });
      clearTimeout(timer);
    }
    await this.writes;
    return this.live;
  }

  /** Resolves once everything received so far is drawn. */
  settled(): Promise<void> {
    return this.writes;
  }

  get exitCode(): number | null {
    return this.ended;
  }

  /**
   * Whether `device` may type here: the owner the gateway signed into the document, or a writer listed
   * by it or an admin, current members only. The gateway decides for itself too.
   */
  canWrite(device: DeviceId): boolean {
    if (this.sync === null) return false;
    const doc = terminalDoc(this.sync.ydoc);
    const { crypto, session } = this.o;
    return writersOf(crypto, session.members, provenOwner(crypto, session.members, doc, this.entry.id, this.entry.gateway), doc, this.entry.id).includes(device);
  }

  /** Types `text` (signed, counter-checked by the gateway); held until the gateway answered the join. */
  send(text: string): void {
    const data = new TextEncoder().encode(text);
    if (this.counterKnown) this.type(data);
    else this.held.push(data);
  }

  /** Whether input typed now leaves at once (the gateway said where this device's counter stands). */
  get inputReady(): boolean {
    return this.counterKnown;
  }

  private type(data: Uint8Array): void {
    this.counter++;
    const signature = signInput(this.o.crypto, this.o.session.home.identity, this.entry.id, this.counter, data);
    this.doc.sendStream(encodeTerm({ t: TermTag.Input, counter: this.counter, data, signature }), this.entry.gateway);
  }

  /** The gateway's word on this device's counter: type above it, and send what waited. */
  private counterAt(last: number): void {
    this.counter = Math.max(this.counter, last);
    this.counterKnown = true;
    for (const data of this.held.splice(0)) this.type(data);
  }

  private refused(m: { counter: number; reason: string; last: number }): void {
    if (m.reason === 'replay') this.counter = Math.max(this.counter, m.last);
    const why: Record<string, string> = {
      'not-writer': 'this device may not type in this session',
      revoked: 'this device was revoked',
      replay: 'the gateway refused the input as a replay',
      unsigned: 'the input signature did not verify',
      ended: 'the session has ended',
    };
    this.o.onNotice?.({ kind: 'input-refused', reason: m.reason, message: `input refused: ${why[m.reason] ?? m.reason}` });
  }

  /**
   * Tells the gateway how many cells this device's window shows. Only writers' sizes count: the
   * session follows the most recently active writer's, and comes back as Size to every viewer.
   */
  viewport(cols: number, rows: number): void {
    this.reportedViewport = { cols, rows };
    this.doc.sendStream(encodeTerm({ t: TermTag.Viewport, cols, rows }), this.entry.gateway);
  }

  /** The last window size reported: said again with every join (a lost frame, a gateway that restarted). */
  private reportedViewport: { cols: number; rows: number } | null = null;

  /** Once live, a size recorded in the document that differs from the one shown is taken (its Size frame was lost). */
  private readonly onDocUpdate = (): void => {
    if (!this.live || this.closed || !this.sync) return;
    const recorded = terminalDoc(this.sync.ydoc).size();
    if (recorded && isGridSize(recorded)) this.enqueue(() => this.resize(recorded.cols, recorded.rows));
  };

  /** Rejoins once synced again after the document left the synced state (a reconnect), not on every status. */
  private readonly onStatus = (s: SyncStatus): void => {
    if (s.state !== 'synced') this.rejoin = true;
    else if (this.rejoin) this.join();
  };

  private shown: { cols: number; rows: number } | null = null;

  private reset(cols: number, rows: number): void {
    this.shown = { cols, rows };
    this.o.screen.reset(cols, rows);
  }

  private resize(cols: number, rows: number): void {
    if (this.shown?.cols === cols && this.shown.rows === rows) return;
    this.shown = { cols, rows };
    this.o.screen.resize(cols, rows);
  }

  private enqueue(step: () => void | Promise<void>): void {
    this.writes = this.writes.then(step).catch(() => undefined);
  }

  private join(): void {
    if (this.closed || !this.sync) return;
    this.lastJoin = Date.now();
    this.live = false;
    this.rejoin = false;
    this.sync.sendStream(encodeTerm({ t: TermTag.Join, fromSeq: this.nextSeq, fresh: !this.restored }), this.entry.gateway);
    const v = this.reportedViewport;
    if (v) this.sync.sendStream(encodeTerm({ t: TermTag.Viewport, cols: v.cols, rows: v.rows }), this.entry.gateway);
  }

  private restore(encoded: Uint8Array): void {
    let snap;
    try {
      snap = decodeSnapshot(encoded);
    } catch {
      return;
    }
    // A snapshot of no more than what is drawn already (an answer to a second join) changes nothing.
    if (this.restored && snap.coversSeq <= this.nextSeq) return;
    const { screen, gunzip } = this.o;
    const unpacked = gunzip(snap.gzip);
    this.enqueue(async () => {
      const bytes = await unpacked;
      this.reset(snap.cols, snap.rows);
      await screen.write(bytes);
    });
    this.nextSeq = snap.coversSeq;
    this.restored = true;
    for (const seq of [...this.early.keys()]) if (seq < this.nextSeq) this.early.delete(seq);
    this.drain();
  }

  private readonly onStream = (from: DeviceId, payload: Uint8Array): void => {
    if (from !== this.entry.gateway || this.closed) return;
    const m = decodeTerm(payload);
    if (!m || this.transfers?.handle(m)) return;
    if (m.t === TermTag.InputState) this.counterAt(m.counter);
    else if (m.t === TermTag.InputRefused) this.refused(m);
    else if (m.t === TermTag.Snapshot) this.restore(m.snapshot);
    else if (m.t === TermTag.Output || m.t === TermTag.OutputRun) {
      if (m.seq >= this.nextSeq) this.early.set(m.seq, { bytes: m.bytes, count: m.t === TermTag.OutputRun ? m.count : 1 });
      this.drain();
    } else if (m.t === TermTag.Size) this.enqueue(() => this.resize(m.cols, m.rows));
    else if (m.t === TermTag.Ended) this.ended = m.exitCode;
    else if (m.t === TermTag.Live && (m.seq > this.nextSeq || !this.restored)) this.behind();
    else if (m.t === TermTag.Live) {
      // A stored snapshot older than the last resize restores its own size, and no Size follows for
      // a join: once caught up, take the size the gateway recorded in the session document.
      const recorded = this.sync ? terminalDoc(this.sync.ydoc).size() : undefined;
      if (recorded && isGridSize(recorded)) this.enqueue(() => this.resize(recorded.cols, recorded.rows));
      // A gateway that says nothing about counters: type from where this viewer is (a refusal corrects it).
      if (!this.counterKnown) this.counterAt(this.counter);
      this.live = true;
      for (const w of this.liveWaiters.splice(0)) w();
    }
    this.o.onChange?.();
  };

  /**
   * The gateway's stream is ahead of what arrived here (its last frames were lost, say to a relay
   * that refused them): ask again, at most every REJOIN_AFTER_MS, until caught up.
   */
  private behind(): void {
    if (this.closed || this.behindTimer !== undefined) return;
    const wait = REJOIN_AFTER_MS - (Date.now() - this.lastJoin);
    if (wait <= 0) return this.join();
    this.behindTimer = setTimeout(() => {
      this.behindTimer = undefined;
      if (!this.live) this.join();
    }, wait);
  }

  /** Writes batches in sequence; a hole that stays open asks the gateway again. */
  private drain(): void {
    if (!this.restored) {
      // Output from the very first batch needs no snapshot; anything later waits for the gateway's answer to a join
      // (the first join may have gone out before the gateway had the session open).
      if (this.nextSeq === 0 && this.early.has(0)) this.restored = true;
      else {
        if (this.early.size > 0 && Date.now() - this.lastJoin > REJOIN_AFTER_MS) this.join();
        return;
      }
    }
    for (let next = this.early.get(this.nextSeq); next !== undefined; next = this.early.get(this.nextSeq)) {
      this.early.delete(this.nextSeq);
      this.nextSeq += next.count;
      const chunk = next.bytes;
      this.enqueue(() => this.o.screen.write(chunk));
      // A run that ends past entries held for single batches makes those stale.
      for (const seq of this.early.keys()) if (seq < this.nextSeq) this.early.delete(seq);
    }
    if (this.early.size > 0 && Date.now() - this.lastJoin > REJOIN_AFTER_MS) this.join();
  }
}
