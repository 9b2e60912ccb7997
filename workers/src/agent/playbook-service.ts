/**
 * Playbooks on their schedules, inside a worker: a cron job per scheduled
 * playbook (following the settings as they change), and at each scheduled
 * time the run lease (run-lease.ts) decides which one worker writes the run
 * into the playbook's chat (playbook-run.ts); the plan runner then runs it.
 * With several workers online each scheduled time runs once. A playbook whose
 * agent was removed is not run (its runs would act under no agent's grants).
 */
import type { ChatId, DeviceId } from '@tendril/crdt-schema/ids';
import type { ChatDoc, Playbook, SettingsDoc } from '@tendril/crdt-schema/schema';
import type { Timers } from '../llm/deps.ts';
import { parseCron } from '../plugins/cron.ts';
import type { RunLease } from '../plugins/run-lease.ts';
import { CronScheduler } from '../plugins/scheduler.ts';
import { writePlaybookRun } from './playbook-run.ts';

export interface PlaybookServiceOptions {
  readonly settings: SettingsDoc;
  readonly me: DeviceId;
  readonly lease: RunLease;
  /** Opens a chat for writing (the worker's open chat, or a fresh one). */
  readonly openChat: (id: ChatId) => Promise<ChatDoc>;
  readonly now: () => number;
  readonly timers: Timers;
  /** Cron times in UTC instead of local time. */
  readonly utc?: boolean;
  readonly log?: (line: string) => void;
  /** The spending limits: a scheduled run past one is not written (the log says which limit). */
  readonly spend?: () => Promise<string | undefined>;
}

export const playbookJob = (name: string): string => `playbook:${name.toLowerCase()}`;

export class PlaybookService {
  private readonly o: PlaybookServiceOptions;
  private readonly scheduler: CronScheduler;
  private readonly schedules = new Map<string, string>();
  private unobserve: (() => void) | null = null;
  private readonly running = new Set<Promise<void>>();

  constructor(o: PlaybookServiceOptions) {
    this.o = o;
    this.scheduler = new CronScheduler({ now: o.now, timers: o.timers, onError: (id, e) => o.log?.(`${id}: ${(e as Error).message}`) });
  }

  start(): void {
    this.sync();
    this.unobserve = this.o.settings.observe(() => this.sync());
  }

  /** When a playbook runs next (ms), if it is scheduled. */
  nextRun(name: string): number | undefined {
    return this.scheduler.nextRun(playbookJob(name));
  }

  private sync(): void {
    const books = new Map(this.o.settings.playbooks.list().map((p) => [playbookJob(p.name), p]));
    for (const [job, schedule] of this.schedules) {
      if (books.get(job)?.schedule !== schedule) {
        this.scheduler.delete(job);
        this.schedules.delete(job);
      }
    }
    for (const [job, p] of books) {
      if (p.schedule === undefined || this.schedules.has(job)) continue;
      try {
        const cron = parseCron(p.schedule, { utc: this.o.utc === true });
        this.scheduler.set(job, cron, (due) => this.fire(job, p.name, due));
        this.schedules.set(job, p.schedule);
      } catch (e) {
        this.o.log?.(`playbook ${p.name}: schedule not used: ${(e as Error).message}`);
      }
    }
  }

  private fire(job: string, name: string, due: number): void {
    const run = this.runOnce(job, name, due)
      .catch((e: unknown) => this.o.log?.(`playbook ${name}: scheduled run not started: ${(e as Error).message}`))
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  private async runOnce(job: string, name: string, due: number): Promise<void> {
    const p: Playbook | undefined = this.o.settings.playbooks.get(name);
    if (!p) return;
    const agent = this.o.settings.agents.get(p.agent);
    if (!agent) {
      this.o.log?.(`playbook ${name}: its agent was removed; not run`);
      return;
    }
    const over = await this.o.spend?.();
    if (over) {
      this.o.log?.(`playbook ${name}: scheduled run at ${new Date(due).toISOString()} not written: ${over}`);
      return;
    }
    if (!(await this.o.lease(job, due))) return;
    const chat = await this.o.openChat(p.chat);
    writePlaybookRun(chat, p, agent, this.o.me, `scheduled run at ${new Date(due).toISOString()}`);
    this.o.log?.(`playbook ${name}: scheduled run at ${new Date(due).toISOString()} written`);
  }

  async stop(): Promise<void> {
    this.unobserve?.();
    this.scheduler.stop();
    await Promise.allSettled([...this.running]);
  }
}
