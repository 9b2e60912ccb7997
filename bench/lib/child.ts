/**
 * The parent side of benchmark child processes: spawn a TypeScript script
 * under tsx with an IPC channel (optionally with a raised open-file limit),
 * wait for its ready message, call its commands, read its CPU and memory,
 * and stop it. Only the processes started here are ever signalled.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Usage } from './rpc.ts';

export interface ChildOptions {
  /** Raise the soft open-file limit in the child (through `sh -c 'ulimit -n N; exec node ...'`). */
  readonly fdLimit?: number;
  /** Extra node flags, e.g. --expose-gc. */
  readonly nodeArgs?: readonly string[];
  readonly readyTimeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  /** Scheduling priority of the child (19 = lowest): an attacker whose CPU, on the internet, is not the relay's. */
  readonly niceness?: number;
  /** CPUs the child (all its threads) may run on, as taskset takes them ("0", "1-3"). */
  readonly cpus?: string;
}

/** Pins process `pid` (all its threads) to `cpus` with taskset. */
export function pinToCpus(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-pc', cpus, String(pid)], { stdio: 'ignore' });
}

export interface Child<Ready> {
  readonly pid: number;
  readonly ready: Ready;
  call<T>(cmd: string, args?: unknown, timeoutMs?: number): Promise<T>;
  usage(gc?: boolean): Promise<Usage>;
  /** Asks the child to exit; kills it if it has not within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

interface Reply {
  readonly id?: number;
  readonly ok?: boolean;
  readonly result?: unknown;
  readonly error?: string;
  readonly ready?: unknown;
}

/** A path next to this module (the child scripts live in bench/lib/). */
export const libPath = (name: string): string => fileURLToPath(new URL(name, import.meta.url));

export function startChild<Ready>(script: string, args: readonly string[], o: ChildOptions = {}): Promise<Child<Ready>> {
  const nodeArgv = [...(o.nodeArgs ?? []), '--import', 'tsx', script, ...args];
  const stdio: ['ignore', 'inherit', 'inherit', 'ipc'] = ['ignore', 'inherit', 'inherit', 'ipc'];
  const env = { ...process.env, ...o.env };
  const proc: ChildProcess =
    o.fdLimit !== undefined
      ? spawn('sh', ['-c', `ulimit -n ${o.fdLimit} && exec "$0" "$@"`, process.execPath, ...nodeArgv], { stdio, env })
      : spawn(process.execPath, nodeArgv, { stdio, env });
  if (o.niceness !== undefined && proc.pid !== undefined) setPriority(proc.pid, o.niceness);
  if (o.cpus !== undefined && proc.pid !== undefined) pinToCpus(proc.pid, o.cpus);
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  let nextId = 1;
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => proc.once('exit', () => resolve()));

  return new Promise((resolve, reject) => {
    const readyTimer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${script} sent no ready message within ${o.readyTimeoutMs ?? 60_000} ms`));
    }, o.readyTimeoutMs ?? 60_000);
    proc.once('exit', (code, signal) => {
      exited = true;
      clearTimeout(readyTimer);
      for (const w of waiting.values()) {
        clearTimeout(w.timer);
        w.reject(new Error(`${script} exited (${code ?? signal})`));
      }
      waiting.clear();
      reject(new Error(`${script} exited before it was ready (${code ?? signal})`));
    });
    proc.on('message', (m: Reply) => {
      if ('ready' in m) {
        clearTimeout(readyTimer);
        resolve(handle(m.ready as Ready));
        return;
      }
      const w = m.id === undefined ? undefined : waiting.get(m.id);
      if (!w) return;
      waiting.delete(m.id!);
      clearTimeout(w.timer);
      if (m.ok) w.resolve(m.result);
      else w.reject(new Error(`${script}: ${m.error ?? 'failed'}`));
    });
  });

  function handle(ready: Ready): Child<Ready> {
    const call = <T>(cmd: string, callArgs?: unknown, timeoutMs = 120_000): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        if (exited) return reject(new Error(`${script} has exited`));
        const id = nextId++;
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`${script}: ${cmd} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
        proc.send({ id, cmd, args: callArgs });
      });
    return {
      pid: proc.pid!,
      ready,
      call,
      usage: (gc = false) => call<Usage>('usage', { gc }),
      async stop(graceMs = 5_000) {
        if (exited) return;
        proc.send({ id: 0, cmd: 'exit', args: undefined });
        const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
        await exitedPromise;
        clearTimeout(timer);
      },
    };
  }
}

/** CPU milliseconds (user + system) between two usage readings. */
export const cpuMsBetween = (a: Usage, b: Usage): number => (b.userUs - a.userUs + b.systemUs - a.systemUs) / 1000;

/** This process's CPU time so far, ms. */
export function selfCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** The soft open-file limit of this process (from /proc), or undefined off Linux. */
export function openFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
  } catch {
    return undefined;
  }
}

/** RSS of any process from /proc/<pid>/statm, bytes (a cross-check on what a child reports). */
export function procRssBytes(pid: number): number {
  const pages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
  return pages * 4096;
}

/** Busy CPU time of the whole machine so far (all cores, from /proc/stat), ms. */
export function machineBusyMs(): number {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal ...
    const busy = fields[0]! + fields[1]! + fields[2]! + fields[5]! + fields[6]! + fields[7]!;
    return busy * 10; // USER_HZ = 100 on Linux
  } catch {
    return Number.NaN;
  }
}
