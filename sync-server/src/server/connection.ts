/**
 * One peer's WebSocket as the relay sees it: its handshake state, identity,
 * subscriptions and rate buckets, an ordered queue for its frames, and the
 * only path for sending to it (which counts bytes and enforces the
 * slow-consumer cap).
 *
 * A relay holds thousands of mostly idle connections, so one costs as little
 * as it can: what every connection shares (limits, metrics, clock, logger) is
 * one object per relay, the socket's listeners are shared functions
 * (accept.ts), rate buckets other than the frame bucket, the subscription map
 * and the `closed` promise exist only once something uses them, the pre-auth
 * timer goes with the hello, and the device key is read from the device id
 * when needed instead of being held.
 */
import type { WebSocket } from 'ws';
import { ERRORS, type ErrorCode } from '@tendril/crdt-schema/errors';
import { publicKeyOfDevice, type DeviceId, type WorkspaceId } from '@tendril/crdt-schema/ids';
import { encodeFrame, FrameType, type Frame } from '@tendril/crdt-schema/wire';
import type { Clock, TimerHandle } from './clock.ts';
import type { RelayLimits } from './config.ts';
import type { Logger } from './logger.ts';
import type { ProblemLog } from './problem-log.ts';
import { sendPrepared, type PreparedFrame, type PreparedRun } from './prepared-frame.ts';
import type { RelayMetrics } from './relay-metrics.ts';
import { createTokenBucket, type TokenBucket } from './token-bucket.ts';
import { FollowedDocs } from './followed-docs.ts';
import type { GuestSession } from './guest-hub.ts';

export const ConnState = {
  /** Challenge sent; only a hello is accepted. */
  Challenged: 'challenged',
  /** Hello verified; the connection speaks for `identity`. */
  Ready: 'ready',
  /** Ended by an error, the peer or shutdown: nothing more is sent or handled. */
  Closing: 'closing',
} as const;
export type ConnState = (typeof ConnState)[keyof typeof ConnState];

/** Who a connection speaks for. (The client name a hello gives is logged, not held.) */
export interface Identity {
  readonly workspace: WorkspaceId;
  readonly device: DeviceId;
  readonly deviceKey: Uint8Array;
}

/** An identity whose device key is decoded from the (canonical) device id when asked for, not held. */
class DeviceIdentity implements Identity {
  constructor(
    readonly workspace: WorkspaceId,
    readonly device: DeviceId,
  ) {}

  get deviceKey(): Uint8Array {
    return publicKeyOfDevice(this.device);
  }
}

/** The identity of a verified hello; `device` must be the canonical id of its key (the hello checks it). */
export function identityOf(workspace: WorkspaceId, device: DeviceId): Identity {
  return new DeviceIdentity(workspace, device);
}

/** What every connection of one relay shares: one object per relay, not one per connection. */
export interface ConnectionDeps {
  readonly limits: RelayLimits;
  readonly metrics: RelayMetrics;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where failures before the hello are counted (strangers are not logged line by line). */
  readonly problems: ProblemLog;
}

/** WebSocket close codes by the error that ended a connection. */
const CLOSE_CODES: Partial<Record<ErrorCode, number>> = {
  E_SHUTTING_DOWN: 1001,
  E_FRAME_MALFORMED: 1002,
  E_FRAME_TOO_LARGE: 1009,
  E_STORE_FAILED: 1011,
};

/** Connection state few connections need (rate buckets of presence and streams, closing), made on first use. */
interface Rare {
  presence?: TokenBucket;
  stream?: TokenBucket;
  /** Resolves when the socket has closed. */
  closed?: Promise<void>;
  resolveClosed?: () => void;
  /** Terminates a peer that lingers after fail/end. */
  closeTimer?: TimerHandle;
}

/** The settled promise idle queues and closed sockets share. */
const DONE: Promise<void> = Promise.resolve();

export interface ErrorDetail {
  doc?: string;
  ref?: number;
  retryAfterMs?: number;
  /** Appended to the code's summary. */
  detail?: string;
}

export class Connection {
  state: ConnState = ConnState.Challenged;
  identity: Identity | undefined;
  /** Set when a visitor was admitted through GuestHello: the connection may use its one conversation only. */
  guest: GuestSession | undefined;
  /** The documents this connection follows. */
  readonly subs = new FollowedDocs();
  /** False once a ping went unanswered; any pong or frame sets it again. */
  alive = true;
  /** Frames refused as unknown or as sent before the hello; at `maxStrayFrames` the connection is closed. */
  strays = 0;
  readonly frameBucket: TokenBucket;
  /** The pre-auth deadline (accept.ts), until the hello succeeds or the socket closes. */
  authTimer: TimerHandle | undefined;
  /** The challenge nonce, one byte per character (a string costs a fraction of a Uint8Array and its buffer). */
  private readonly nonceText: string;
  /** What few connections need, made on first use. */
  private rare: Rare | undefined;
  private queue: Promise<void> = DONE;
  private pages: Promise<void> = DONE;

  constructor(
    readonly ws: WebSocket,
    readonly d: ConnectionDeps,
    readonly id: number,
    readonly ip: string,
    nonce: Uint8Array,
  ) {
    this.nonceText = Buffer.from(nonce.buffer, nonce.byteOffset, nonce.byteLength).toString('latin1');
    this.frameBucket = createTokenBucket(d.limits.framesPerSecond, d.limits.frameBurst, d.clock.now());
  }

  /** This connection's challenge nonce (a fresh copy): hello and capability proofs sign it. */
  get nonce(): Uint8Array {
    return Buffer.from(this.nonceText, 'latin1');
  }

  /** Presence frames' bucket, made on first use (a new bucket is full, as an untouched one would be). */
  get presenceBucket(): TokenBucket {
    return ((this.rare ??= {}).presence ??= createTokenBucket(this.d.limits.presencePerSecond, this.d.limits.presenceBurst, this.d.clock.now()));
  }

  /** Stream frames' bucket, made on first use. */
  get streamBucket(): TokenBucket {
    return ((this.rare ??= {}).stream ??= createTokenBucket(this.d.limits.streamPerSecond, this.d.limits.streamBurst, this.d.clock.now()));
  }

  /** Resolves when the socket has closed (made when first asked for). */
  get closed(): Promise<void> {
    const rare = (this.rare ??= {});
    if (!rare.closed) rare.closed = this.ws.readyState === this.ws.CLOSED ? DONE : new Promise((resolve) => (rare.resolveClosed = resolve));
    return rare.closed;
  }

  /** The hello succeeded: the connection speaks for `identity` from now on, and its pre-auth deadline is gone. */
  ready(identity: Identity): void {
    this.identity = identity;
    this.state = ConnState.Ready;
    this.clearAuthTimer();
  }

  /** The socket closed (accept.ts calls this from its close listener): timers go and `closed` resolves. */
  socketClosed(): void {
    this.state = ConnState.Closing;
    this.clearAuthTimer();
    const rare = this.rare;
    if (!rare) return;
    if (rare.closeTimer !== undefined) this.d.clock.clearTimeout(rare.closeTimer);
    rare.closeTimer = undefined;
    rare.resolveClosed?.();
    rare.resolveClosed = undefined;
  }

  private clearAuthTimer(): void {
    if (this.authTimer !== undefined) this.d.clock.clearTimeout(this.authTimer);
    this.authTimer = undefined;
  }

  get open(): boolean {
    return this.state !== ConnState.Closing && this.ws.readyState === this.ws.OPEN;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  send(frame: Frame): boolean {
    return this.sendBytes(frame.type, encodeFrame(frame));
  }

  /**
   * Queues encoded frame bytes; `onFlushed` runs once they reached the kernel
   * (or failed). Returns false when nothing was sent: closed, or the peer just
   * crossed the slow-consumer cap and is being disconnected.
   */
  sendBytes(type: number, bytes: Uint8Array, onFlushed?: () => void): boolean {
    if (!this.open) return false;
    this.ws.send(bytes, { binary: true }, onFlushed && (() => onFlushed()));
    this.d.metrics.frameOut(type, bytes.length);
    return this.withinCap();
  }

  /** `sendBytes` for a frame framed once for many peers (the fan-out): one socket write when that is safe. */
  sendPrepared(type: number, frame: PreparedFrame): boolean {
    if (!this.open) return false;
    sendPrepared(this.ws, frame);
    this.d.metrics.frameOut(type, frame.bytes.length);
    return this.withinCap();
  }

  /** `sendBytes` for a run of frames of one type (a stretch of a catch-up page): one socket write when that is safe. */
  sendRun(type: number, run: PreparedRun, onFlushed?: () => void): boolean {
    if (!this.open) return false;
    sendPrepared(this.ws, run, onFlushed && (() => onFlushed()));
    for (const f of run.frames) this.d.metrics.frameOut(type, f.length);
    return this.withinCap();
  }

  /** Enforces the slow-consumer cap after a send: false once the peer is being disconnected. */
  private withinCap(): boolean {
    const queued = this.ws.bufferedAmount;
    if (queued > this.d.limits.maxBufferedBytes) {
      this.fail('E_SLOW_CONSUMER', { detail: `${queued} bytes queued` });
      return false;
    }
    return true;
  }

  /** A refusal that leaves the connection open. */
  error(code: ErrorCode, e: ErrorDetail = {}): void {
    this.d.metrics.rejected(code);
    this.send(errorFrame(code, e, false));
  }

  /**
   * A refusal that ends the connection: the error frame, then a close; terminated if the peer lingers.
   * With `drop`, nothing more is read and the socket is terminated as soon as the error frame is written.
   */
  fail(code: ErrorCode, e: ErrorDetail = {}, opts: { drop?: boolean } = {}): void {
    if (this.state === ConnState.Closing) return;
    this.d.metrics.rejected(code);
    const drop = opts.drop === true;
    if (drop) this.ws.pause();
    if (this.ws.readyState === this.ws.OPEN) {
      const bytes = encodeFrame(errorFrame(code, e, true));
      this.ws.send(bytes, { binary: true }, drop ? () => this.ws.terminate() : undefined);
      this.d.metrics.frameOut(FrameType.Error, bytes.length);
    } else if (drop) {
      this.ws.terminate();
    }
    if (this.state === ConnState.Challenged) this.d.problems.count(`preauth.${code}`);
    else this.d.logger.info('connection.fail', { conn: this.id, code, detail: e.detail });
    this.state = ConnState.Closing;
    if (!drop) this.ws.close(CLOSE_CODES[code] ?? 1008, code);
    this.terminateLater();
  }

  /** Ends the connection normally (close code 1000) after what was sent; terminated if the peer lingers. */
  end(reason: string): void {
    if (this.state === ConnState.Closing) return;
    this.state = ConnState.Closing;
    this.ws.close(1000, reason);
    this.terminateLater();
  }

  /** Terminates the socket if it has not closed within the shutdown timeout. */
  private terminateLater(): void {
    const rare = (this.rare ??= {});
    if (this.ws.readyState === this.ws.CLOSED || rare.closeTimer !== undefined) return;
    rare.closeTimer = this.d.clock.setTimeout(() => this.ws.terminate(), this.d.limits.shutdownTimeoutMs);
  }

  /** Runs `task` after every frame queued before it, so a peer's frames take effect in order. */
  enqueue(task: () => Promise<void> | void): void {
    const next: Promise<void> = this.queue.then(task).then(
      () => this.settled(next),
      (err: unknown) => {
        this.settled(next);
        this.d.logger.error('frame.handler', { conn: this.id, error: String(err) });
        this.fail('E_STORE_FAILED', { detail: 'internal error' });
      },
    );
    this.queue = next;
  }

  /** An idle queue holds the shared settled promise, not the last chain link (and what it retains). */
  private settled(link: Promise<void>): void {
    if (this.queue === link) this.queue = DONE;
  }

  /**
   * Catch-ups of this connection take turns holding a page, so a peer that
   * follows many documents holds one page at a time. Resolves with the
   * release function once it is the caller's turn.
   */
  pageTurn(): Promise<() => void> {
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const turn = this.pages.then(() => release);
    const link = this.pages.then(() => done);
    this.pages = link;
    // Once every turn is over, hold the shared settled promise rather than the last link.
    void link.then(() => {
      if (this.pages === link) this.pages = DONE;
    });
    return turn;
  }

  /** Resolves when every frame queued so far was handled. */
  idle(): Promise<void> {
    return this.queue;
  }
}

function errorFrame(code: ErrorCode, e: ErrorDetail, fatal: boolean): Frame {
  const summary = ERRORS[code].summary;
  const message = e.detail ? `${summary}: ${e.detail}`.slice(0, 600) : summary;
  return { type: FrameType.Error, code, message, doc: e.doc ?? '', ref: e.ref ?? 0, retryAfterMs: e.retryAfterMs ?? 0, fatal };
}
