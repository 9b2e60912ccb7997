/**
 * The frames of one relay connection waiting behind live entries whose
 * signatures are being checked off the calling thread (DocCipher.verdict:
 * libuv's thread pool in Node, WebCrypto in browsers), so connections, and the
 * devices behind them, do not take turns on the Ed25519 check.
 *
 * Frames leave in the order they arrived on the connection, whatever their
 * document, each entry only once its verdict is in: verdicts may come back in
 * any order, delivery never does. One queue per connection, not per document,
 * because what a frame means can depend on an earlier frame of another
 * document: input on a session document arriving after the index entry that
 * revokes its sender must meet the revocation. A connection that went away
 * leaves its frames stale, so each receiver keeps what the relay already
 * stored (entries, acknowledgements) and drops the rest.
 */

/** Delivers one frame; `verdict` is its signature's when it waited for one. */
export type Deliver = (verdict: boolean | undefined, stale: boolean) => void;

interface Queued {
  readonly owner: object;
  readonly deliver: Deliver;
  verdict: boolean | undefined;
  waiting: boolean;
  stale: boolean;
}

export class LiveQueue {
  private readonly items: Queued[] = [];
  private pumping = false;

  /**
   * `onError` hears what a delivery threw (a listener's bug); the frames behind it are still delivered
   * in order. By default the error is thrown again on its own (an uncaught error, as a throwing event
   * listener gives), after the queue has moved on, so one bad listener never stalls a connection.
   */
  constructor(private readonly onError: (error: unknown) => void = (e) => queueMicrotask(() => { throw e; })) {}

  /** Frames not yet delivered. */
  get size(): number {
    return this.items.length;
  }

  /** Queues a frame of `owner`; `check`, when given, is its signature verdict in flight, and it waits for it. */
  push(owner: object, deliver: Deliver, check?: Promise<boolean>): void {
    const item: Queued = { owner, deliver, verdict: undefined, waiting: check !== undefined, stale: false };
    this.items.push(item);
    if (check) {
      void check.then(
        (ok) => this.settle(item, ok),
        () => this.settle(item, false),
      );
    }
    this.pump();
  }

  /** The connection `owner`'s queued frames came on is gone for it. */
  markStale(owner: object): void {
    for (const item of this.items) if (item.owner === owner) item.stale = true;
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
        try {
          head.deliver(head.verdict, head.stale);
        } catch (e) {
          this.onError(e);
        }
      }
    } finally {
      this.pumping = false;
    }
  }
}
