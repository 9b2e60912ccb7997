/**
 * The frames of one document waiting behind live entries whose signatures are
 * being checked off the calling thread (DocCipher.verdict: libuv's thread pool
 * in Node, WebCrypto in browsers), so several documents, or several devices in
 * one process, do not take turns on the Ed25519 check.
 *
 * Frames leave in the order they arrived, each entry only once its verdict is
 * in: verdicts may come back in any order, delivery never does, and a frame of
 * any other type that arrived after an entry waits for it too. A queue that
 * outlived its connection marks its frames stale, so the receiver can keep
 * what the relay already stored (entries, acknowledgements) and drop the rest.
 */
import type { Frame } from '../wire/frames.ts';

interface Queued {
  readonly frame: Frame;
  /** Undefined while the check is in flight, or when the frame needs none. */
  verdict: boolean | undefined;
  waiting: boolean;
  stale: boolean;
}

export type Deliver = (frame: Frame, verdict: boolean | undefined, stale: boolean) => void;

export class LiveQueue {
  private readonly items: Queued[] = [];
  private readonly deliver: Deliver;
  private pumping = false;
  private idleWaiters: (() => void)[] = [];

  constructor(deliver: Deliver) {
    this.deliver = deliver;
  }

  /** Frames not yet delivered. */
  get size(): number {
    return this.items.length;
  }

  /** Queues a frame; `check`, when given, is its signature verdict in flight, and it waits for it. */
  push(frame: Frame, check?: Promise<boolean>): void {
    const item: Queued = { frame, verdict: undefined, waiting: check !== undefined, stale: false };
    this.items.push(item);
    if (check) {
      void check.then(
        (ok) => this.settle(item, ok),
        () => this.settle(item, false),
      );
    }
    this.pump();
  }

  /** The connection these frames came on is gone. */
  markStale(): void {
    for (const item of this.items) item.stale = true;
  }

  /** Resolves once every frame queued so far (and after) has been delivered. */
  idle(): Promise<void> {
    if (this.items.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private settle(item: Queued, ok: boolean): void {
    item.verdict = ok;
    item.waiting = false;
    this.pump();
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.items.length > 0 && !this.items[0]!.waiting) {
        const head = this.items.shift()!;
        this.deliver(head.frame, head.verdict, head.stale);
      }
    } finally {
      this.pumping = false;
    }
    if (this.items.length === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
