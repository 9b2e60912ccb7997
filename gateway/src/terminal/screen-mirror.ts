/**
 * The session's headless screen, kept in a worker thread (mirror-worker.ts)
 * and fed every output batch in order. It never sits on the keystroke path:
 * the stream hands it a batch after the viewers got it, and posting to the
 * worker is a copy.
 *
 * Flood policy, in two steps. First the worker coalesces plain-text floods,
 * parsing only what can still show (mirror-feed.ts), so it keeps up with most
 * floods at a fraction of the cost. Second, the mirror is the one consumer
 * that must see every byte, so it is the only one that may slow the PTY: when
 * its backlog (bytes posted, not yet parsed) passes `highWaterBytes` (4 MiB,
 * about 100 ms of parsing: "hopelessly behind") it emits `flood: true` and
 * the session pauses reading the PTY in bounded steps (pty-process.ts); at
 * `lowWaterBytes` it emits `flood: false` and reading resumes. Viewers never
 * cause a pause; they are dropped instead. The backlog also bounds how stale
 * a snapshot can be.
 */
import { TendrilError } from '@tendril/crdt-schema/errors';
import { systemClock, systemTimers, type Clock, type TerminalSize, type Timers } from './deps.ts';
import { Emitter } from './emitter.ts';
import { isFromMirror, startMirrorThread, type FromMirror, type MirrorThread, type StartMirrorThread, type ToMirror } from './mirror-channel.ts';
import type { OutputBatch } from './output-batch.ts';
import { SnapshotSchedule, type SnapshotScheduleOptions } from './snapshot-schedule.ts';
import type { ScreenSnapshot } from './snapshot.ts';

export interface ScreenMirrorOptions extends TerminalSize {
  /** Scrollback lines kept and included in snapshots (default 1,000). */
  readonly scrollback?: number;
  /** When periodic snapshots are taken (snapshot-schedule.ts). */
  readonly periodic?: SnapshotScheduleOptions;
  /** Backlog that pauses the PTY (default 4 MiB). */
  readonly highWaterBytes?: number;
  /** Backlog that resumes it (default a quarter of the high-water mark). */
  readonly lowWaterBytes?: number;
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
  /** True: the mirror is hopelessly behind, pause the PTY; false: resume. */
  flood: boolean;
  error: Error;
}

type Waiter = { resolve(v: FromMirror): void; reject(e: Error): void };

export class ScreenMirror extends Emitter<ScreenMirrorEvents> {
  private readonly thread: MirrorThread;
  private readonly waiters = new Map<number, Waiter>();
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly high: number;
  private readonly low: number;
  private readonly schedule: SnapshotSchedule;
  private nextId = 1;
  private backlog = 0;
  private flooding = false;
  private failure: Error | undefined;

  constructor(options: ScreenMirrorOptions) {
    super();
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
    this.high = options.highWaterBytes ?? 4 * 1024 * 1024;
    this.low = options.lowWaterBytes ?? Math.floor(this.high / 4);
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

  /** True from `flood: true` until `flood: false`. */
  get isFlooding(): boolean {
    return this.flooding;
  }

  feed(batch: OutputBatch): void {
    if (this.failure !== undefined) return;
    // A view into a larger buffer would be cloned whole; send only its bytes.
    const whole = batch.bytes.byteOffset === 0 && batch.bytes.byteLength === batch.bytes.buffer.byteLength;
    this.post({ t: 'feed', batch: whole ? batch : { ...batch, bytes: batch.bytes.slice() } });
    this.backlog += batch.bytes.length;
    if (!this.flooding && this.backlog > this.high) this.setFlood(true);
    this.schedule.output(batch.bytes.length);
  }

  /** Resizes the mirror after the batches fed so far. */
  resize(size: TerminalSize): void {
    this.post({ t: 'resize', size });
  }

  /** A snapshot covering at least every batch fed so far. */
  async snapshot(): Promise<ScreenSnapshot> {
    const m = await this.request({ t: 'snapshot', id: this.nextId++, takenAt: this.clock.now() });
    if (m.t !== 'snapshot') throw new TendrilError('E_BAD_INPUT', `mirror answered ${m.t} to a snapshot request`);
    const s: ScreenSnapshot = { coversSeq: m.coversSeq, coversOffset: m.coversOffset, ...m.size, scrollbackLines: m.scrollbackLines, gzip: m.gzip, takenAt: m.takenAt };
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
      this.post(m);
    });
  }

  private post(m: ToMirror): void {
    this.thread.postMessage(m);
  }

  private receive(m: unknown): void {
    if (!isFromMirror(m)) return;
    if (m.t === 'parsed') {
      this.backlog -= m.bytes;
      if (this.flooding && this.backlog <= this.low) this.setFlood(false);
    } else if (m.t === 'error') {
      this.emit('error', new TendrilError('E_BAD_INPUT', `screen mirror: ${m.message}`));
    } else {
      const w = this.waiters.get(m.id);
      this.waiters.delete(m.id);
      w?.resolve(m);
    }
  }

  private setFlood(on: boolean): void {
    this.flooding = on;
    this.emit('flood', on);
  }

  private fail(error: Error, report = true): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    for (const w of this.waiters.values()) w.reject(error);
    this.waiters.clear();
    if (this.flooding) this.setFlood(false);
    if (report) this.emit('error', error);
  }
}
