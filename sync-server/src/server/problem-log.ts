/**
 * Problems caused by strangers (refusals before the hello, error frames
 * from peers) are counted, not logged one line each: a flood of them would
 * otherwise become a flood of log lines. Each count goes to a Prometheus
 * counter at once, and a summary line with the counts since the last one is
 * logged at most once per interval.
 */
import type { Clock } from './clock.ts';
import type { Logger } from './logger.ts';
import type { Counter } from './prometheus.ts';

export interface ProblemLog {
  count(event: string): void;
  stop(): void;
}

export function createProblemLog(clock: Clock, logger: Logger, counter: Counter, intervalMs: number): ProblemLog {
  let tally = new Map<string, number>();
  const timer = clock.setInterval(() => {
    if (tally.size === 0) return;
    logger.warn('relay.problems', { intervalMs, ...Object.fromEntries(tally) });
    tally = new Map();
  }, intervalMs);
  return {
    count(event) {
      counter.inc({ event });
      tally.set(event, (tally.get(event) ?? 0) + 1);
    },
    stop: () => clock.clearInterval(timer),
  };
}
