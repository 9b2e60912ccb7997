/**
 * The session's headless screen, kept in a worker thread (mirror-worker.ts)
 * and fed every output batch in order. It never sits on the keystroke path:
 * the stream hands it a batch after the viewers got it, and posting to the
 * worker is a copy.
 *
 * Flood policy: the mirror never slows the shell. First the worker coalesces
 * plain-text floods, parsing only what can still show (mirror-feed.ts), so it
 * keeps up with most floods at a fraction of the cost. When it still falls
 * behind, and its backlog (bytes posted, not yet parsed) passes
 * `highWaterBytes` (4 MiB, about 100 ms of parsing), it drops what it has not
 * parsed and rebuilds: the worker resets its screen and parses the last
 * `rebuildBytes` of output again (kept here; the worker starts at a clean line start), so the screen
 * it shows and snapshots is the current one, with as much scrollback as those
 * bytes hold. A snapshot of a rebuilt screen says so (`rebuilt`): modes set
 * before the kept bytes are lost. Memory stays bounded by the high-water mark
 * plus the kept bytes, however fast the shell writes.
 */
import { TendrilError } from '@tendril/crdt-schema/errors';
import { systemClock, systemTimers, type Clock, type TerminalSize, type Timers } from './deps.ts';
import { Emitter } from './emitter.ts';
import { isFromMirror, startMirrorThread, type FromMirror, type MirrorThread, type StartMirrorThread, type ToMirror } from './mirror-channel.ts';
import { concatBytes, type OutputBatch } from './output-batch.ts';
import { SnapshotSchedule, type SnapshotScheduleOptions } from './snapshot-schedule.ts';
import type { ScreenSnapshot } from './snapshot.ts';

export interface ScreenMirrorOptions extends TerminalSize {
  /** Scrollback lines kept and included in snapshots (default 1,000). */
  readonly scrollback?: number;
  /** When periodic snapshots are taken (snapshot-schedule.ts). */
  readonly periodic?: SnapshotScheduleOptions;
  /** Backlog past which the unparsed output is dropped and the screen rebuilt (default 4 MiB). */
  readonly highWaterBytes?: number;
  /** Recent output kept to rebuild the screen from (default 256 KiB). */
  readonly rebuildBytes?: number;
  /** gzip level of snapshots (default 9). */
  readonly gzipLevel?: number;
  /** Scrollback is cut until a snapshot's gzip fits this (default 24 KiB); the screen itself always goes. */
  readonly snapshotBudgetBytes?: number;
  /** The seq of the first batch it will be fed (default 0). */
  readonly startSeq?: number;
  readonly clock?: Clock;
  readonly timers?: Timers;
  readonly startThread?: StartMirrorThread;
}

export interface ScreenMirrorEvents {
  /** Every snapshot produced, periodic or asked for. */
  snapshot: ScreenSnapshot;
  /** The mirror fell behind, dropped its unparsed output and is rebuilt from the recent output up to `atSeq`. */
  rebuild: { readonly atSeq: number };
  error: Error;
}

type Waiter = { resolve(v: FromMirror): void; reject(e: Error): void };

export class ScreenMirror extends Emitter<ScreenMirrorEvents> {
  private readonly thread: MirrorThread;
  private readonly waiters = new Map<number, Waiter>();
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly high: number;
  private readonly keep: number;
  private readonly schedule: SnapshotSchedule;
  private readonly startSeq: number;
  /** The newest batches fed, at least `keep` bytes of them when there are that many. */
  private recent: OutputBatch[] = [];
  private recentBytes = 0;
  private nextId = 1;
  private backlog = 0;
  /** A rebuild was posted and the worker has not yet said what it dropped. */
  private rebuilding = false;
  /** Batches were not posted while a rebuild was under way: another rebuild must cover them. */
  private stale = false;
  /** Messages held back while stale (they must follow the rebuild that covers every batch fed). */
  private held: ToMirror[] = [];
  private rebuilds = 0;
  private failure: Error | undefined;

  constructor(options: ScreenMirrorOptions) {
    super();
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
    this.high = options.highWaterBytes ?? 4 * 1024 * 1024;
    this.keep = options.rebuildBytes ?? 256 * 1024;
    this.startSeq = options.startSeq ?? 0;
    this.schedule = new SnapshotSchedule(options.periodic ?? {}, this.clock, this.timers, () => {
      if (this.failure === undefined) this.snapshot().catch(() => undefined);
    });
    const init = {
      cols: options.cols,
      rows: options.rows,
      scrollback: options.scrollback ?? 1000,
      gzipLevel: options.gzipLevel ?? 9,
      snapshotBudgetBytes: options.snapshotBudgetBytes ?? 24 * 1024,
      startSeq: options.startSeq ?? 0,
    };
    this.thread = (options.startThread ?? startMirrorThread)(init);
    this.thread.on('message', (m: unknown) => this.receive(m));
    this.thread.on('error', (e: Error) => this.fail(new TendrilError('E_SPAWN_FAILED', `screen mirror failed: ${e.message}`, { cause: e })));
    this.thread.on('exit', () => this.fail(new TendrilError('E_SESSION_ENDED', 'screen mirror stopped')));
  }

  /** Bytes sent to the mirror and not parsed yet. */
  get backlogBytes(): number {
    return this.backlog;
  }

  /** Times the mirror fell behind and was rebuilt. */
  get rebuildCount(): number {
    return this.rebuilds;
  }

  feed(batch: OutputBatch): void {
    if (this.failure !== undefined) return;
    this.remember(batch);
    this.schedule.output(batch.bytes.length);
    if (this.stale) return;
    if (this.rebuilding && this.backlog > this.high) {
      this.stale = true;
      return;
    }
    // A view into a larger buffer would be cloned whole; send only its bytes (a copy: on a Buffer,
    // such as a PTY chunk from the shared allocation pool, slice() is a view).
    const whole = batch.bytes.byteOffset === 0 && batch.bytes.byteLength === batch.bytes.buffer.byteLength;
    this.post({ t: 'feed', batch: whole ? batch : { ...batch, bytes: Uint8Array.prototype.slice.call(batch.bytes) } });
    this.backlog += batch.bytes.length;
    if (!this.rebuilding && this.backlog > this.high) this.rebuild();
  }

  /** Resizes the mirror after the batches fed so far. */
  resize(size: TerminalSize): void {
    this.send({ t: 'resize', size });
  }

  /** A snapshot covering at least every batch fed so far. */
  async snapshot(): Promise<ScreenSnapshot> {
    const m = await this.request({ t: 'snapshot', id: this.nextId++, takenAt: this.clock.now() });
    if (m.t !== 'snapshot') throw new TendrilError('E_BAD_INPUT', `mirror answered ${m.t} to a snapshot request`);
    const s: ScreenSnapshot = {
      coversSeq: m.coversSeq, coversOffset: m.coversOffset, ...m.size, scrollbackLines: m.scrollbackLines, gzip: m.gzip, takenAt: m.takenAt,
      ...(m.rebuilt ? { rebuilt: true } : {}),
    };
    this.emit('snapshot', s);
    return s;
  }

  /** The visible screen as plain text, after every batch fed so far. */
  async screenText(): Promise<string> {
    const m = await this.request({ t: 'text', id: this.nextId++ });
    return m.t === 'text' ? m.text : '';
  }

  /** Stops the worker; pending requests fail with E_SESSION_ENDED. */
  async close(): Promise<void> {
    this.schedule.stop();
    this.fail(new TendrilError('E_SESSION_ENDED', 'screen mirror closed'), false);
    await this.thread.terminate();
  }

  private request(m: ToMirror & { id: number }): Promise<FromMirror> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiters.set(m.id, { resolve, reject });
      this.send(m);
    });
  }

  /** Posts `m` after every batch fed so far (held back while they wait for a rebuild). */
  private send(m: ToMirror): void {
    if (this.stale) this.held.push(m);
    else this.post(m);
  }

  private post(m: ToMirror): void {
    this.thread.postMessage(m);
  }

  /** Keeps the newest batches, `keep` bytes and the one that crosses it. */
  private remember(batch: OutputBatch): void {
    this.recent.push(batch);
    this.recentBytes += batch.bytes.length;
    while (this.recent.length > 1 && this.recentBytes - this.recent[0]!.bytes.length >= this.keep) {
      this.recentBytes -= this.recent.shift()!.bytes.length;
    }
  }

  /**
   * Tells the worker to drop what it has not parsed and rebuild from the recent output (the worker
   * starts where the parser's state is known; from the first byte when the window reaches back to
   * the first batch, and then the rebuilt screen is exact).
   */
  private rebuild(): void {
    const first = this.recent[0];
    const last = this.recent.at(-1);
    if (first === undefined || last === undefined) return;
    // The whole window, copied once into a buffer of its own (a posted view clones its whole buffer):
    // the mirror thread picks where to start parsing it (rebuild-start.ts).
    const parts = this.recent.map((b) => b.bytes);
    const bytes = parts.length > 1 ? concatBytes(parts) : Uint8Array.prototype.slice.call(parts[0]!);
    const exact = first.seq === this.startSeq && first.offset === 0;
    const at = { seq: last.seq + 1, offset: last.offset + last.bytes.length };
    this.rebuilding = true;
    this.stale = false;
    this.rebuilds++;
    this.post({ t: 'rebuild', bytes, at, exact });
    this.backlog += bytes.length;
    const held = this.held;
    this.held = [];
    for (const m of held) this.post(m);
    this.emit('rebuild', { atSeq: at.seq });
  }

  private receive(m: unknown): void {
    if (!isFromMirror(m)) return;
    if (m.t === 'parsed') {
      this.backlog -= m.bytes;
    } else if (m.t === 'dropped') {
      this.backlog -= m.bytes;
      this.rebuilding = false;
      // Output that came while the worker was getting to the rebuild was not posted: rebuild again now.
      if (this.stale) this.rebuild();
    } else if (m.t === 'error') {
      this.emit('error', new TendrilError('E_BAD_INPUT', `screen mirror: ${m.message}`));
    } else {
      const w = this.waiters.get(m.id);
      this.waiters.delete(m.id);
      w?.resolve(m);
    }
  }

  private fail(error: Error, report = true): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    for (const w of this.waiters.values()) w.reject(error);
    this.waiters.clear();
    this.held = [];
    this.recent = [];
    if (report) this.emit('error', error);
  }
}
