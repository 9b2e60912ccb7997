/**
 * What the adapters take from the outside world, injected so tests control
 * it: fetch, timers, the clock, randomness for backoff jitter, and the
 * deadlines (30 s to the first byte, 120 s of silence mid-stream).
 */

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface Timeouts {
  /** From sending the request to the first body byte (the whole body for a JSON answer). */
  readonly firstByteMs: number;
  /** Longest silence between two chunks of a stream. */
  readonly idleMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { firstByteMs: 30_000, idleMs: 120_000 };

export interface LlmDeps {
  readonly fetch: typeof globalThis.fetch;
  readonly timers: Timers;
  readonly now: () => number;
  /** In [0, 1); jitter for retry backoff. */
  readonly random: () => number;
  readonly timeouts: Timeouts;
}

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Fills in the process defaults for whatever a caller left out. */
export function resolveDeps(deps: Partial<LlmDeps> = {}): LlmDeps {
  return {
    fetch: deps.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    timers: deps.timers ?? systemTimers,
    now: deps.now ?? Date.now,
    random: deps.random ?? Math.random,
    timeouts: { ...DEFAULT_TIMEOUTS, ...deps.timeouts },
  };
}

/** Waits `ms` on the injected timers; rejects with `onAbort()` when the signal fires first. */
export function sleep(timers: Timers, ms: number, signal: AbortSignal | undefined, onAbort: () => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(onAbort());
    const abort = (): void => {
      timers.clearTimeout(handle);
      reject(onAbort());
    };
    const handle = timers.setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', abort, { once: true });
  });
}
