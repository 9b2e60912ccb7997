/**
 * Fires jobs at their cron times on an injected clock and timers. A timer is
 * never armed for more than an hour (long timeouts overflow, and a machine
 * that slept should look at the clock again); on waking early it re-arms,
 * on waking late it fires once and schedules the next time after now, so
 * missed times are not replayed.
 */
import type { Timers } from '../llm/deps.ts';
import type { Cron } from './cron.ts';

const MAX_ARM_MS = 3_600_000;

export interface SchedulerDeps {
  readonly now: () => number;
  readonly timers: Timers;
  /** A job that throws is reported here and keeps its schedule. */
  readonly onError?: (id: string, e: unknown) => void;
}

interface Job {
  readonly id: string;
  readonly cron: Cron;
  readonly fire: (due: number) => void;
  due: number | null;
  handle: unknown;
}

export class CronScheduler {
  private readonly deps: SchedulerDeps;
  private readonly jobs = new Map<string, Job>();

  constructor(deps: SchedulerDeps) {
    this.deps = deps;
  }

  /** Schedules (or reschedules) `id` to call `fire` at each of the cron's times (told the time it was due). */
  set(id: string, cron: Cron, fire: (due: number) => void): void {
    this.delete(id);
    const job: Job = { id, cron, fire, due: cron.next(this.deps.now()), handle: undefined };
    this.jobs.set(id, job);
    this.arm(job);
  }

  delete(id: string): void {
    const job = this.jobs.get(id);
    if (!job) return;
    this.deps.timers.clearTimeout(job.handle);
    this.jobs.delete(id);
  }

  /** When `id` fires next (ms), or undefined when it is not scheduled or never fires again. */
  nextRun(id: string): number | undefined {
    return this.jobs.get(id)?.due ?? undefined;
  }

  ids(): string[] {
    return [...this.jobs.keys()];
  }

  stop(): void {
    for (const id of [...this.jobs.keys()]) this.delete(id);
  }

  private arm(job: Job): void {
    if (job.due === null) return;
    const wait = Math.min(Math.max(0, job.due - this.deps.now()), MAX_ARM_MS);
    job.handle = this.deps.timers.setTimeout(() => this.wake(job), wait);
  }

  private wake(job: Job): void {
    if (![...this.jobs.values()].includes(job) || job.due === null) return;
    const now = this.deps.now();
    const due = job.due;
    const firing = now >= due;
    if (firing) job.due = job.cron.next(now);
    this.arm(job);
    if (!firing) return;
    try {
      job.fire(due);
    } catch (e) {
      this.deps.onError?.(job.id, e);
    }
  }
}
