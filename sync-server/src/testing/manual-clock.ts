/** A Clock driven by the test: time moves only on `advance`, and due timers fire in order. */
import type { Clock, TimerHandle } from '../server/clock.ts';

interface Timer {
  id: number;
  at: number;
  fn: () => void;
  every: number | undefined;
}

export interface ManualClock extends Clock {
  /** Moves time forward by `ms`, firing every timer that falls due, in time order. */
  advance(ms: number): void;
  /** Timers scheduled and not yet fired or cleared. */
  readonly pending: number;
}

export function manualClock(start = 1_700_000_000_000): ManualClock {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, Timer>();
  const add = (fn: () => void, ms: number, every?: number): TimerHandle => {
    const id = nextId++;
    timers.set(id, { id, at: now + Math.max(0, ms), fn, every });
    return id;
  };
  const clear = (h: TimerHandle): void => void timers.delete(h as number);
  return {
    now: () => now,
    setTimeout: (fn, ms) => add(fn, ms),
    setInterval: (fn, ms) => add(fn, ms, Math.max(1, ms)),
    clearTimeout: clear,
    clearInterval: clear,
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = [...timers.values()].filter((t) => t.at <= until).sort((a, b) => a.at - b.at || a.id - b.id)[0];
        if (!due) break;
        now = due.at;
        if (due.every !== undefined) due.at += due.every;
        else timers.delete(due.id);
        due.fn();
      }
      now = until;
    },
    get pending() {
      return timers.size;
    },
  };
}
