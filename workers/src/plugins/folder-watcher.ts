/**
 * Watching a folder for a plugin: fs.watch (recursive) when the platform
 * gives it, else, or once it fails (inotify limits, the folder replaced), a
 * periodic rescan that compares sizes and modification times. Changes are
 * debounced into one batch of paths. Dot-entries and node_modules are
 * ignored, as the folder walks of host-fs.ts ignore them.
 */
import { watch as fsWatch } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { Timers } from '../llm/deps.ts';

export interface WatchHandle {
  close(): void;
}

export interface WatcherDeps {
  readonly timers: Timers;
  /** Starts a native watch; throws when the platform cannot. */
  readonly watch?: (folder: string, onEvent: (relative: string | null) => void, onError: (e: Error) => void) => WatchHandle;
  /** Path -> size and mtime, for rescans. */
  readonly snapshot?: (folder: string) => Promise<Map<string, string>>;
  readonly debounceMs?: number;
  readonly rescanMs?: number;
  readonly log?: (line: string) => void;
}

const ignored = (relative: string): boolean => relative.split(/[\\/]/).some((p) => p.startsWith('.') || p === 'node_modules');

function nativeWatch(folder: string, onEvent: (relative: string | null) => void, onError: (e: Error) => void): WatchHandle {
  const w = fsWatch(folder, { recursive: true, persistent: false }, (_event, name) => onEvent(name === null ? null : String(name)));
  w.on('error', onError);
  return w;
}

export async function snapshotFolder(folder: string, maxFiles = 5000): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > 16 || out.size >= maxFiles) return;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === 'node_modules' || e.isSymbolicLink()) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p, depth + 1);
      else if (e.isFile()) {
        const s = await stat(p).catch(() => undefined);
        if (s) out.set(p, `${s.size}:${Math.floor(s.mtimeMs)}`);
      }
      if (out.size >= maxFiles) return;
    }
  };
  await walk(folder, 0);
  return out;
}

export const WatchMode = {
  /** Native change events. */
  Watch: 'watch',
  /** Periodic rescans. */
  Rescan: 'rescan',
  Closed: 'closed',
} as const;
export type WatchMode = (typeof WatchMode)[keyof typeof WatchMode];

export class FolderWatcher {
  readonly folder: string;
  private readonly onChange: (paths: string[]) => void;
  private readonly d: WatcherDeps;
  private handle: WatchHandle | null = null;
  private pending = new Set<string>();
  private debounce: unknown = undefined;
  private rescanTimer: unknown = undefined;
  private last: Map<string, string> | null = null;
  private state: WatchMode = WatchMode.Closed;
  private closed = false;

  constructor(folder: string, onChange: (paths: string[]) => void, deps: WatcherDeps) {
    this.folder = folder;
    this.onChange = onChange;
    this.d = deps;
  }

  get mode(): WatchMode {
    return this.state;
  }

  start(): void {
    try {
      this.handle = (this.d.watch ?? nativeWatch)(this.folder, (rel) => this.event(rel), (e) => this.fallBack(e));
      this.state = WatchMode.Watch;
    } catch (e) {
      this.fallBack(e as Error);
    }
  }

  close(): void {
    this.closed = true;
    this.state = WatchMode.Closed;
    this.handle?.close();
    this.handle = null;
    this.d.timers.clearTimeout(this.debounce);
    this.d.timers.clearTimeout(this.rescanTimer);
  }

  private event(relative: string | null): void {
    if (this.closed) return;
    if (relative !== null && ignored(relative)) return;
    this.pending.add(relative === null ? this.folder : join(this.folder, relative));
    this.d.timers.clearTimeout(this.debounce);
    this.debounce = this.d.timers.setTimeout(() => this.emit(), this.d.debounceMs ?? 300);
  }

  private emit(): void {
    if (this.pending.size === 0 || this.closed) return;
    const paths = [...this.pending].sort();
    this.pending = new Set();
    this.onChange(paths);
  }

  private fallBack(e: Error): void {
    if (this.closed || this.state === WatchMode.Rescan) return;
    this.d.log?.(`watching ${this.folder} failed (${e.message}); rescanning every ${(this.d.rescanMs ?? 30_000) / 1000} s instead`);
    this.handle?.close();
    this.handle = null;
    this.state = WatchMode.Rescan;
    void this.rescan();
  }

  /** Compares a fresh snapshot with the last one; the first snapshot is the baseline. */
  private async rescan(): Promise<void> {
    if (this.state !== WatchMode.Rescan) return;
    const now = await (this.d.snapshot ?? snapshotFolder)(this.folder).catch(() => new Map<string, string>());
    if (this.state !== WatchMode.Rescan) return;
    if (this.last) {
      const changed = new Set<string>();
      for (const [p, sig] of now) if (this.last.get(p) !== sig) changed.add(p);
      for (const p of this.last.keys()) if (!now.has(p)) changed.add(p);
      for (const p of changed) this.pending.add(p.startsWith(this.folder + sep) || p === this.folder ? p : join(this.folder, p));
      this.emit();
    }
    this.last = now;
    this.rescanTimer = this.d.timers.setTimeout(() => void this.rescan(), this.d.rescanMs ?? 30_000);
  }
}
