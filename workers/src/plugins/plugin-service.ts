/**
 * Plugins inside `tendril worker`: runs each installed plugin on its cron
 * schedule (each scheduled time on one worker of those online, with the run
 * lease) and when a folder it watches changes, never two runs of the same
 * plugin at once (requests during a run are merged into one follow-up run),
 * and once for each "run now" the user asks for in the app.
 * Follows the permissions document: installs, uninstalls and schedule changes
 * take effect at once, and a watch stops when its folder grant is revoked.
 * Watches survive restarts (the host record), with one catch-up run.
 */
import type { PluginId } from '@tendril/crdt-schema/ids';
import type { PermissionsDoc } from '@tendril/crdt-schema/schema';
import type { Timers } from '../llm/deps.ts';
import { parseCron } from './cron.ts';
import { FolderWatcher, type WatcherDeps, type WatchHandle } from './folder-watcher.ts';
import type { RunTrigger } from './plugin-protocol.ts';
import type { PluginRunner, RunResult } from './plugin-runner.ts';
import type { PluginStateStore } from './plugin-state.ts';
import type { RunLease } from './run-lease.ts';
import { CronScheduler } from './scheduler.ts';

export interface PluginServiceOptions {
  readonly runner: PluginRunner;
  readonly permissions: PermissionsDoc;
  readonly state: PluginStateStore;
  readonly now: () => number;
  readonly timers: Timers;
  /** Cron times in UTC instead of local time. */
  readonly utc?: boolean;
  /** Makes and starts a watcher (default: FolderWatcher). */
  readonly watch?: (folder: string, onChange: (paths: string[]) => void) => WatchHandle;
  readonly watcherDeps?: Partial<WatcherDeps>;
  readonly onResult?: (r: RunResult) => void;
  readonly log?: (line: string) => void;
  /** Decides which worker runs each scheduled time (run-lease.ts); without it every worker runs it. */
  readonly lease?: RunLease;
}

const watchKey = (plugin: PluginId, folder: string): string => `${plugin}\n${folder}`;

/** A run-now request older than this (a worker that was offline, clocks apart) is not run. */
export const RUN_REQUEST_FRESH_MS = 10 * 60_000;

function merge(a: RunTrigger | undefined, b: RunTrigger): RunTrigger {
  if (a?.kind === 'change' && b.kind === 'change' && a.folder === b.folder) {
    return { kind: 'change', folder: a.folder, paths: [...new Set([...a.paths, ...b.paths])].slice(0, 1000) };
  }
  return a?.kind === 'manual' ? a : b;
}

export class PluginService {
  private readonly o: PluginServiceOptions;
  private readonly scheduler: CronScheduler;
  private readonly schedules = new Map<PluginId, string>();
  private readonly watchers = new Map<string, { plugin: PluginId; folder: string; handle: WatchHandle }>();
  private readonly active = new Map<PluginId, Promise<RunResult>>();
  private readonly followUp = new Map<PluginId, RunTrigger>();
  private readonly requestsSeen = new Map<PluginId, number>();
  private unobserve: (() => void) | null = null;
  private stopped = false;

  constructor(o: PluginServiceOptions) {
    this.o = o;
    this.scheduler = new CronScheduler({ now: o.now, timers: o.timers, onError: (id, e) => o.log?.(`plugin ${id}: scheduled run failed to start: ${(e as Error).message}`) });
  }

  start(): void {
    this.sync();
    for (const p of this.o.permissions.plugins.list()) {
      const watches = this.o.state.host(p.id).watches;
      for (const folder of watches) this.watch(p.id, folder);
      if (watches.length > 0) void this.request(p.id, { kind: 'change', folder: watches[0]!, paths: [] });
    }
    this.unobserve = this.o.permissions.observe(() => this.sync());
  }

  /** When a plugin runs next on its schedule (ms), if it has one. */
  nextRun(plugin: PluginId): number | undefined {
    return this.scheduler.nextRun(plugin);
  }

  /** Folders being watched, with the plugin that asked. */
  watching(): { plugin: PluginId; folder: string }[] {
    return [...this.watchers.values()].map(({ plugin, folder }) => ({ plugin, folder }));
  }

  /** Starts watching a folder for a plugin (the host calls this once the watch was granted). */
  watch(plugin: PluginId, folder: string): void {
    const key = watchKey(plugin, folder);
    if (this.stopped || this.watchers.has(key)) return;
    const onChange = (paths: string[]): void => void this.request(plugin, { kind: 'change', folder, paths });
    let handle: WatchHandle;
    if (this.o.watch) handle = this.o.watch(folder, onChange);
    else {
      const w = new FolderWatcher(folder, onChange, { timers: this.o.timers, ...this.o.watcherDeps, ...(this.o.log ? { log: this.o.log } : {}) });
      w.start();
      handle = w;
    }
    this.watchers.set(key, { plugin, folder, handle });
  }

  /** Runs the plugin now, or once more right after the run in progress. */
  request(plugin: PluginId, trigger: RunTrigger): Promise<RunResult> {
    const running = this.active.get(plugin);
    if (running) {
      this.followUp.set(plugin, merge(this.followUp.get(plugin), trigger));
      return running;
    }
    const run = this.o.runner.run(plugin, trigger).then((r) => {
      this.active.delete(plugin);
      this.o.onResult?.(r);
      const next = this.followUp.get(plugin);
      this.followUp.delete(plugin);
      if (next && !this.stopped) void this.request(plugin, next);
      return r;
    });
    this.active.set(plugin, run);
    return run;
  }

  /** A scheduled time came: run it, when this worker holds its run lease (one worker per time). */
  private scheduled(plugin: PluginId, due: number): Promise<void> {
    return this.leased(plugin, `plugin:${plugin}`, due, () => ({ kind: 'schedule', at: this.o.now() }));
  }

  /** Runs `plugin` for the lease slot `slot` of `job`, when this worker takes it. */
  private async leased(plugin: PluginId, job: string, slot: number, trigger: () => RunTrigger): Promise<void> {
    try {
      if (this.o.lease && !(await this.o.lease(job, slot))) return;
    } catch (e) {
      this.o.log?.(`plugin ${plugin}: run lease not taken: ${(e as Error).message}`);
      return;
    }
    if (!this.stopped) await this.request(plugin, trigger());
  }

  /** A "run now" from the user (permissions-runs.ts): each request runs once, on one worker, while it is fresh. */
  private runRequested(plugin: PluginId): void {
    const r = this.o.permissions.runs.requested(plugin);
    if (!r || r.at <= (this.requestsSeen.get(plugin) ?? 0)) return;
    this.requestsSeen.set(plugin, r.at);
    if (Math.abs(this.o.now() - r.at) > RUN_REQUEST_FRESH_MS) return;
    void this.leased(plugin, `plugin:${plugin}:now`, r.at, () => ({ kind: 'manual' }));
  }

  /** Brings schedules and watches in line with the permissions document. */
  private sync(): void {
    if (this.stopped) return;
    const installed = new Map(this.o.permissions.plugins.list().map((p) => [p.id, p]));
    for (const [id, schedule] of this.schedules) {
      if (installed.get(id)?.schedule !== schedule) {
        this.scheduler.delete(id);
        this.schedules.delete(id);
      }
    }
    for (const p of installed.values()) this.runRequested(p.id);
    for (const p of installed.values()) {
      if (p.schedule === undefined || this.schedules.has(p.id)) continue;
      try {
        const cron = parseCron(p.schedule, { utc: this.o.utc === true });
        this.scheduler.set(p.id, cron, (due) => void this.scheduled(p.id, due));
        this.schedules.set(p.id, p.schedule);
      } catch (e) {
        this.o.log?.(`plugin ${p.name}: schedule not used: ${(e as Error).message}`);
      }
    }
    for (const [key, w] of this.watchers) {
      if (installed.has(w.plugin) && this.o.runner.gateFor(w.plugin).decide('read-folder', w.folder).allowed) continue;
      w.handle.close();
      this.watchers.delete(key);
      this.o.state.updateHost(w.plugin, (r) => ({ ...r, watches: r.watches.filter((f) => f !== w.folder) }));
      this.o.log?.(`plugin ${w.plugin}: stopped watching ${w.folder} (uninstalled or not granted)`);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unobserve?.();
    this.scheduler.stop();
    for (const w of this.watchers.values()) w.handle.close();
    this.watchers.clear();
    await this.o.runner.stopAll();
    await Promise.allSettled([...this.active.values()]);
  }
}
