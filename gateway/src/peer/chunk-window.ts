/**
 * Moving a file's chunks over frames that may be dropped (Stream frames are
 * ephemeral: a relay under load or a reconnect loses some). The sender keeps
 * up to `window` chunks in flight, each held until the receiver's cumulative
 * ack ("I have everything before N") covers it, and sends the held ones again
 * when acks stop coming; after `maxStalls` rounds without progress it gives
 * up. The receiver takes chunks strictly in order and acks every chunk it
 * sees, duplicates included, so a lost ack is repaired by the next one.
 * Chunks are read once, in order (a download reads its file sequentially).
 */

export interface ChunkSenderOptions {
  readonly total: number;
  /** The next chunk, in order; called once per chunk. */
  readonly read: () => Promise<Uint8Array>;
  readonly send: (index: number, bytes: Uint8Array) => void;
  readonly window?: number;
  readonly stallMs?: number;
  readonly maxStalls?: number;
  /** The receiver stopped acknowledging (or a read failed). */
  readonly onFail: (error: unknown) => void;
  /** Every chunk is acknowledged. */
  readonly onDone?: () => void;
  readonly onProgress?: (acked: number) => void;
}

export class ChunkSender {
  private acked = 0;
  private sent = 0;
  private readonly held = new Map<number, Uint8Array>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private pumping = false;
  private stalls = 0;
  private stopped = false;

  constructor(private readonly o: ChunkSenderOptions) {}

  start(): void {
    if (this.o.total === 0) {
      this.stopped = true;
      this.o.onDone?.();
      return;
    }
    this.arm();
    void this.pump();
  }

  /** The receiver has every chunk before `next`. */
  ack(next: number): void {
    if (this.stopped || next <= this.acked) return;
    const upTo = Math.min(next, this.sent);
    for (let i = this.acked; i < upTo; i++) this.held.delete(i);
    this.acked = upTo;
    this.stalls = 0;
    this.o.onProgress?.(this.acked);
    if (this.acked >= this.o.total) {
      this.stop();
      this.o.onDone?.();
      return;
    }
    this.arm();
    void this.pump();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.held.clear();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.stopped && this.sent < this.o.total && this.sent < this.acked + (this.o.window ?? 8)) {
        const bytes = await this.o.read();
        if (this.stopped) return;
        this.held.set(this.sent, bytes);
        this.o.send(this.sent, bytes);
        this.sent++;
      }
    } catch (e) {
      this.stop();
      this.o.onFail(e);
    } finally {
      this.pumping = false;
    }
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.stopped) return;
      if (++this.stalls > (this.o.maxStalls ?? 10)) {
        this.stop();
        this.o.onFail(new Error('the other side stopped acknowledging chunks'));
        return;
      }
      for (let i = this.acked; i < this.sent; i++) this.o.send(i, this.held.get(i)!);
      this.arm();
    }, this.o.stallMs ?? 1500);
  }
}

/** Takes chunks in order; `accept` runs once per new chunk (awaited before the next), every chunk seen is acked. */
export class ChunkReceiver {
  private expected = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly o: {
      readonly total: number;
      readonly accept: (bytes: Uint8Array, index: number) => Promise<void> | void;
      readonly ack: (next: number) => void;
      readonly onFail: (error: unknown) => void;
    },
  ) {}

  get next(): number {
    return this.expected;
  }

  take(index: number, bytes: Uint8Array): void {
    this.chain = this.chain.then(async () => {
      if (index === this.expected && index < this.o.total) {
        try {
          await this.o.accept(bytes, index);
        } catch (e) {
          this.o.onFail(e);
          return;
        }
        this.expected++;
      }
      this.o.ack(this.expected);
    });
  }
}
