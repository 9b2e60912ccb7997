/**
 * The injected dependencies shared by the terminal engine: a wall clock and
 * timers. Production code passes `systemClock` / `systemTimers`; tests pass
 * manual ones so that batching, debouncing and idleness are checked without
 * sleeping.
 */

/** Milliseconds since the epoch (or any fixed origin, for tests). */
export interface Clock {
  now(): number;
}

/** An opaque timer handle, as returned by {@link Timers.setTimeout}. */
export type TimerHandle = unknown;

export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = { now: () => Date.now() };

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Terminal grid size in character cells. */
export interface TerminalSize {
  readonly cols: number;
  readonly rows: number;
}

/** Largest accepted grid side, the same bound the terminal document enforces. */
export const MAX_GRID_SIDE = 1000;

/** True when `size` is a whole-cell grid within 1..{@link MAX_GRID_SIDE}. */
export function isGridSize(size: TerminalSize): boolean {
  const ok = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= MAX_GRID_SIDE;
  return ok(size.cols) && ok(size.rows);
}
