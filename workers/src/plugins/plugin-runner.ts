/**
 * Runs installed plugins, one worker thread per run, at most a fixed number
 * of threads at once (run-slots.ts; the rest wait their turn). Before a run: the plugin
 * must be installed and hold a live grant for every kind of permission its
 * manifest asks for, except those marked optional (otherwise the run is refused, and the refusal logged as
 * denied for each request not granted): revoking any grant between two
 * scheduled runs skips the next one. Every run, refused ones included, goes
 * into the run history of the permissions document (permissions-runs.ts). During a run: the thread can only send messages;
 * every call goes through the plugin host, which checks the grant again at
 * that moment. A run that exceeds its time limit is terminated; one that
 * exceeds its memory limit is stopped by V8. Either way, and when the plugin
 * throws or its thread dies, the run ends as timeout or failed, is logged, and
 * the worker carries on. The thread gets an empty environment and no host
 * secrets: the model's API key stays in this thread.
 *
 * A worker thread is a fault and resource boundary, not a security sandbox:
 * code that defeats the import guard can reach what the worker process can.
 * Install plugins whose code you trust; grants limit what the host does for them.
 */
import { Worker } from 'node:worker_threads';
import type { DeviceId, PluginId } from '@tendril/crdt-schema/ids';
import type { InstalledPlugin, PermissionsDoc } from '@tendril/crdt-schema/schema';
import { systemTimers, type Timers } from '../llm/deps.ts';
import { createAccessGate, type AccessRecord } from './access-gate.ts';
import { createPluginHost, replyCode, type HostDeps } from './plugin-host.ts';
import { resolveEntry, type ResolvedEntry } from './plugin-entry.ts';
import { isCall, parseThreadMessage, type HostMessage, type RunTrigger, type ThreadData } from './plugin-protocol.ts';
import { RunSlots } from './run-slots.ts';

const THREAD = new URL('./thread/plugin-thread.mjs', import.meta.url);
const GUARD = new URL('./thread/import-guard.mjs', import.meta.url).href;

export const DEFAULT_TIME_LIMIT_MS = 120_000;
/** A thread that is not up after this long (a host far past its capacity) fails the run. */
export const BOOT_LIMIT_MS = 60_000;
export const DEFAULT_MAX_CALLS = 20_000;
/** Document extractions and browser profile reads at once per runner. */
export const DEFAULT_FILE_WORK = 2;
/** The heap of one plugin thread (V8 old generation), in MB. */
export const DEFAULT_MEMORY_LIMIT_MB = 256;

/** How a run ended. */
export const RunStatus = {
  /** The plugin returned. */
  Ok: 'ok',
  /** Not started: not installed, no permission granted, entry missing, or already running. */
  Refused: 'refused',
  /** Terminated at the time limit. */
  Timeout: 'timeout',
  /** The plugin threw, broke the protocol, or its thread died. */
  Failed: 'failed',
} as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];

export interface RunResult {
  readonly plugin: PluginId;
  readonly status: RunStatus;
  /** What the plugin returned (ok) or why the run did not succeed. */
  readonly message: string;
  /** Host calls the plugin made. */
  readonly calls: number;
}

/** A run's way through the runner: waiting for a slot, its thread started, ended (with its status). */
export type RunEvent =
  | { readonly plugin: PluginId; readonly phase: 'queued' | 'started' }
  | { readonly plugin: PluginId; readonly phase: 'ended'; readonly status: RunStatus };

export interface RunnerDeps extends Omit<HostDeps, 'gate' | 'onWatch'> {
  readonly permissions: PermissionsDoc;
  readonly device: DeviceId;
  readonly now?: () => number;
  readonly timers?: Timers;
  /** How long a run may take, counted from the moment its thread is up (default DEFAULT_TIME_LIMIT_MS). */
  readonly timeLimitMs?: number;
  /** How long the thread may take to come up before the run counts as failed (default BOOT_LIMIT_MS). */
  readonly bootLimitMs?: number;
  readonly maxCalls?: number;
  /** Heap limit of each plugin thread in MB (default DEFAULT_MEMORY_LIMIT_MB). */
  readonly memoryLimitMb?: number;
  /** Bounds how many plugin threads run at once (default: a limit of DEFAULT_MAX_RUNS for this runner). */
  readonly slots?: RunSlots;
  /** Bounds the whole-file host work of all runs (documents, browser profiles; default: DEFAULT_FILE_WORK at once). */
  readonly fileWorkSlots?: RunSlots;
  /** Sees each run queue, start its thread and end (tests, the run list). */
  readonly onRun?: (e: RunEvent) => void;
  readonly entry?: (entry: string) => ResolvedEntry;
  readonly onWatch?: (plugin: PluginId, folder: string) => void;
  readonly onRecord?: (plugin: PluginId, r: AccessRecord) => void;
  readonly log?: (line: string) => void;
  /** Sees everything crossing the thread boundary: the start data, each message each way (tests, debugging). */
  readonly trace?: (direction: 'to-thread' | 'from-thread', message: unknown) => void;
}

export class PluginRunner {
  private readonly d: RunnerDeps;
  private readonly running = new Map<PluginId, { worker: Worker; done: Promise<RunResult> }>();
  /** Runs asked for and not yet ended, waiting for a slot or running. */
  private readonly pending = new Set<PluginId>();
  private readonly slots: RunSlots;
  private readonly fileWork: RunSlots;
  private stopping = false;

  constructor(deps: RunnerDeps) {
    this.d = deps;
    this.slots = deps.slots ?? new RunSlots();
    this.fileWork = deps.fileWorkSlots ?? new RunSlots(DEFAULT_FILE_WORK);
  }

  isRunning(plugin: PluginId): boolean {
    return this.running.has(plugin);
  }

  gateFor(plugin: PluginId) {
    const onRecord = this.d.onRecord;
    return createAccessGate({
      permissions: this.d.permissions, device: this.d.device, plugin,
      ...(this.d.now ? { now: this.d.now } : {}),
      ...(onRecord ? { onRecord: (r: AccessRecord) => onRecord(plugin, r) } : {}),
    });
  }

  /**
   * Waits for a free slot, checks the grants at that moment, then runs the
   * plugin once in a fresh thread. Never throws.
   */
  async run(id: PluginId, trigger: RunTrigger = { kind: 'manual' }): Promise<RunResult> {
    if (this.pending.has(id)) return this.refused(id, 'already running');
    this.pending.add(id);
    this.d.onRun?.({ plugin: id, phase: 'queued' });
    const release = await this.slots.acquire();
    const now = this.d.now ?? Date.now;
    const startedAt = now();
    let r: RunResult;
    try {
      if (this.stopping) r = this.refused(id, 'the worker is stopping');
      else {
        r = await this.checkAndStart(id, trigger);
        this.history(r, trigger, startedAt, now());
      }
    } catch (e) {
      r = { plugin: id, status: RunStatus.Failed, message: `the run could not start: ${(e as Error).message}`, calls: 0 };
      this.d.log?.(`plugin ${id}: failed: ${r.message}`);
    }
    // Ended before the slot is handed on, so that a listener never sees more than the limit running.
    this.pending.delete(id);
    this.d.onRun?.({ plugin: id, phase: 'ended', status: r.status });
    release();
    return r;
  }

  /** Adds the run to the history the user sees (permissions-runs.ts); a history that cannot be written does not fail the run. */
  private history(r: RunResult, trigger: RunTrigger, startedAt: number, endedAt: number): void {
    if (!this.d.permissions.plugins.get(r.plugin)) return;
    try {
      this.d.permissions.runs.append(this.d.device, {
        plugin: r.plugin, trigger: trigger.kind, startedAt: Math.floor(startedAt), endedAt: Math.floor(endedAt), outcome: r.status, message: r.message, calls: r.calls,
      });
    } catch (e) {
      this.d.log?.(`plugin ${r.plugin}: run not added to the history: ${(e as Error).message}`);
    }
  }

  private refused(id: PluginId, message: string): RunResult {
    this.d.log?.(`plugin ${id}: refused: ${message}`);
    return { plugin: id, status: RunStatus.Refused, message, calls: 0 };
  }

  private async checkAndStart(id: PluginId, trigger: RunTrigger): Promise<RunResult> {
    const refuse = (message: string): RunResult => this.refused(id, message);
    const plugin = this.d.permissions.plugins.get(id);
    if (!plugin) return refuse('not installed');
    const gate = this.gateFor(id);
    // Every kind the manifest needs (asks for without `optional`) must hold a grant now: revoking any one of them skips the next run.
    const kinds = new Set(plugin.permissions.filter((p) => p.optional !== true).map((p) => p.kind));
    const missing = [...kinds].filter((k) => gate.granted(k).length === 0);
    if (missing.length > 0) {
      const none = missing.length === kinds.size;
      const detail = none ? 'run refused: no permission granted' : `run refused: ${missing.join(', ')} not granted`;
      gate.record(plugin.permissions.filter((p) => missing.includes(p.kind)).map((p) => ({ kind: p.kind, resource: p.resource, outcome: 'denied' as const, detail })));
      return refuse(none ? 'no permission it asks for is granted' : `not granted: ${missing.join(', ')}`);
    }
    let entry: ResolvedEntry;
    try {
      entry = (this.d.entry ?? resolveEntry)(plugin.entry);
    } catch (e) {
      return refuse((e as Error).message);
    }
    return this.start(plugin, entry, trigger, gate);
  }

  private start(plugin: InstalledPlugin, entry: ResolvedEntry, trigger: RunTrigger, gate: ReturnType<PluginRunner['gateFor']>): Promise<RunResult> {
    const d = this.d;
    const timers = d.timers ?? systemTimers;
    const limit = d.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
    const maxCalls = d.maxCalls ?? DEFAULT_MAX_CALLS;
    const { onWatch, trace, ...hostDeps } = d;
    const host = createPluginHost({ ...hostDeps, gate, fileWorkSlots: this.fileWork, ...(onWatch ? { onWatch: (folder: string) => onWatch(plugin.id, folder) } : {}) });
    const data: ThreadData = {
      entry: entry.entry, root: entry.root, guard: GUARD,
      context: { plugin: { id: plugin.id, name: plugin.name, version: plugin.version }, trigger, now: (d.now ?? Date.now)() },
    };
    trace?.('to-thread', { type: 'start', workerData: data });
    const worker = new Worker(THREAD, {
      workerData: data, env: {}, execArgv: [], stdout: true, stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: d.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB, maxYoungGenerationSizeMb: 32 },
    });
    d.onRun?.({ plugin: plugin.id, phase: 'started' });
    const abort = new AbortController();
    let calls = 0;
    let finish: (r: RunResult) => void = () => {};
    let ended = false;
    const done = new Promise<RunResult>((resolve) => (finish = resolve));
    const end = (status: RunStatus, message: string): void => {
      if (ended) return;
      ended = true;
      timers.clearTimeout(timer);
      abort.abort();
      void worker.terminate();
      this.running.delete(plugin.id);
      d.log?.(`plugin ${plugin.name} (${plugin.id}): ${status}${message ? `: ${message}` : ''} after ${calls} calls`);
      finish({ plugin: plugin.id, status, message, calls });
    };
    // The limit is the plugin's: it starts once the thread is up, so a busy host does not eat it.
    const bootLimit = d.bootLimitMs ?? BOOT_LIMIT_MS;
    let timer = timers.setTimeout(() => end(RunStatus.Failed, `the plugin thread did not start within ${bootLimit} ms`), bootLimit);
    let up = false;
    const started = (): void => {
      // Only the first counts: plugin code that reached the port must not be able to reset its clock.
      if (up) return;
      up = true;
      timers.clearTimeout(timer);
      timer = timers.setTimeout(() => end(RunStatus.Timeout, `terminated at the time limit of ${limit} ms`), limit);
    };
    const forward = (stream: NodeJS.ReadableStream | null): void => {
      let seen = 0;
      stream?.on('data', (b: Buffer) => {
        if (seen > 20_000) return;
        seen += b.length;
        for (const line of b.toString('utf8').split('\n')) if (line.trim()) d.log?.(`plugin ${plugin.name}: ${line.slice(0, 500)}`);
      });
    };
    forward(worker.stdout);
    forward(worker.stderr);
    const reply = (m: HostMessage): void => {
      if (ended) return;
      trace?.('to-thread', m);
      try {
        worker.postMessage(m);
      } catch (e) {
        worker.postMessage({ type: 'reply', id: m.id, ok: false, error: { code: 'failed', message: `the result cannot be sent: ${(e as Error).message}` } } satisfies HostMessage);
      }
    };
    worker.on('message', (raw: unknown) => {
      if (ended) return;
      trace?.('from-thread', raw);
      const m = parseThreadMessage(raw);
      if (!m) return end(RunStatus.Failed, 'the plugin thread sent a message the host does not understand');
      if (m.type === 'started') return started();
      if (m.type === 'done') return end(RunStatus.Ok, m.summary);
      if (m.type === 'failed') return end(RunStatus.Failed, m.message);
      if (m.type === 'log') return d.log?.(`plugin ${plugin.name}: ${m.line.slice(0, 500)}`);
      if (!isCall(m)) return;
      if (++calls > maxCalls) return end(RunStatus.Failed, `more than ${maxCalls} host calls in one run`);
      host.handle(m.op, m.args, abort.signal).then(
        (value) => reply({ type: 'reply', id: m.id, ok: true, value: value ?? null }),
        (e: unknown) => reply({ type: 'reply', id: m.id, ok: false, error: { code: replyCode(e), message: e instanceof Error ? e.message : String(e) } }),
      );
    });
    worker.on('error', (e) => end(RunStatus.Failed, (e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY'
      ? `stopped at the memory limit of ${d.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB} MB` : `the plugin thread crashed: ${e.message}`));
    worker.on('exit', (code) => end(RunStatus.Failed, `the plugin thread exited (${code}) before finishing`));
    this.running.set(plugin.id, { worker, done });
    return done;
  }

  /** Terminates every run in progress (queued ones end refused) and waits for them to end. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    const runs = [...this.running.values()];
    for (const r of runs) void r.worker.terminate();
    await Promise.allSettled(runs.map((r) => r.done));
  }
}
