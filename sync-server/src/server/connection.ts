/**
 * One peer's WebSocket as the relay sees it: its handshake state, identity,
 * subscriptions and rate buckets, an ordered queue for its frames, and the
 * only path for sending to it (which counts bytes and enforces the
 * slow-consumer cap).
 */
import type { WebSocket } from 'ws';
import { ERRORS, type ErrorCode } from '@tendril/crdt-schema/errors';
import type { DeviceId, DocId, WorkspaceId } from '@tendril/crdt-schema/ids';
import { encodeFrame, FrameType, type Frame } from '@tendril/crdt-schema/wire';
import type { Clock } from './clock.ts';
import type { RelayLimits } from './config.ts';
import type { Logger } from './logger.ts';
import type { ProblemLog } from './problem-log.ts';
import type { RelayMetrics } from './relay-metrics.ts';
import { createTokenBucket, type TokenBucket } from './token-bucket.ts';
import type { Subscription } from './subscription.ts';
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

export interface Identity {
  readonly workspace: WorkspaceId;
  readonly device: DeviceId;
  readonly deviceKey: Uint8Array;
  readonly client: string;
}

export interface ConnectionDeps {
  readonly id: number;
  readonly ip: string;
  readonly nonce: Uint8Array;
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
  readonly subs = new Map<DocId, Subscription>();
  /** False once a ping went unanswered; any pong or frame sets it again. */
  alive = true;
  /** Frames refused as unknown or as sent before the hello; at `maxStrayFrames` the connection is closed. */
  strays = 0;
  readonly frameBucket: TokenBucket;
  readonly presenceBucket: TokenBucket;
  readonly streamBucket: TokenBucket;
  /** Resolves when the socket has closed. */
  readonly closed: Promise<void>;
  private queue: Promise<void> = Promise.resolve();
  private pages: Promise<void> = Promise.resolve();

  constructor(
    readonly ws: WebSocket,
    readonly d: ConnectionDeps,
  ) {
    const now = d.clock.now();
    this.frameBucket = createTokenBucket(d.limits.framesPerSecond, d.limits.frameBurst, now);
    this.presenceBucket = createTokenBucket(d.limits.presencePerSecond, d.limits.presenceBurst, now);
    this.streamBucket = createTokenBucket(d.limits.streamPerSecond, d.limits.streamBurst, now);
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
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
    if (this.ws.bufferedAmount > this.d.limits.maxBufferedBytes) {
      this.fail('E_SLOW_CONSUMER', { detail: `${this.ws.bufferedAmount} bytes queued` });
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
    else this.d.logger.info('connection.fail', { conn: this.d.id, code, detail: e.detail });
    this.state = ConnState.Closing;
    if (!drop) this.ws.close(CLOSE_CODES[code] ?? 1008, code);
    const timer = this.d.clock.setTimeout(() => this.ws.terminate(), this.d.limits.shutdownTimeoutMs);
    void this.closed.then(() => this.d.clock.clearTimeout(timer));
  }

  /** Ends the connection normally (close code 1000) after what was sent; terminated if the peer lingers. */
  end(reason: string): void {
    if (this.state === ConnState.Closing) return;
    this.state = ConnState.Closing;
    this.ws.close(1000, reason);
    const timer = this.d.clock.setTimeout(() => this.ws.terminate(), this.d.limits.shutdownTimeoutMs);
    void this.closed.then(() => this.d.clock.clearTimeout(timer));
  }

  /** Runs `task` after every frame queued before it, so a peer's frames take effect in order. */
  enqueue(task: () => Promise<void> | void): void {
    this.queue = this.queue.then(task).catch((err: unknown) => {
      this.d.logger.error('frame.handler', { conn: this.d.id, error: String(err) });
      this.fail('E_STORE_FAILED', { detail: 'internal error' });
    });
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
    this.pages = this.pages.then(() => done);
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
