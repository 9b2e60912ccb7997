/**
 * A counting limit on plugin threads: at most `size` runs hold a slot at
 * once, the rest wait in arrival order. Each worker has one, so a burst of
 * scheduled runs (every plugin on the hour) queues instead of starting a
 * thread per plugin at the same moment.
 */

export const DEFAULT_MAX_RUNS = 4;

export class RunSlots {
  readonly size: number;
  private held = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(size: number = DEFAULT_MAX_RUNS) {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`the plugin run limit must be a positive integer, got ${size}`);
    this.size = size;
  }

  /** Runs holding a slot now. */
  get active(): number {
    return this.held;
  }

  /** Runs waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves with a release function once a slot is free; call it exactly once when the run ends. */
  acquire(): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = (): void => {
        this.held++;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.held--;
          this.waiting.shift()?.();
        });
      };
      if (this.held < this.size) grant();
      else this.waiting.push(grant);
    });
  }
}
