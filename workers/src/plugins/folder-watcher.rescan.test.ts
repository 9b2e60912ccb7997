import { mkdtempSync, rmSync, writeFileSync, mkdirSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Timers } from '../llm/deps.ts';
import { FolderWatcher, WatchMode, type WatchHandle } from './folder-watcher.ts';

/** Timers the test fires by hand. */
function handTimers() {
  const due = new Map<number, () => void>();
  let seq = 0;
  const timers: Timers = {
    setTimeout: (fn) => (due.set(++seq, fn), seq),
    clearTimeout: (h) => void due.delete(h as number),
  };
  return {
    timers,
    get pending() {
      return due.size;
    },
    fire() {
      const fns = [...due.values()];
      due.clear();
      for (const fn of fns) fn();
    },
  };
}

const flush = () => new Promise((r) => setImmediate(r));
async function settle(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await flush();
  }
}

describe('folder watcher', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const folder = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'tendril-watch-'));
    dirs.push(d);
    return d;
  };

  it('debounces native events into one batch, ignoring dot-files and node_modules', () => {
    const t = handTimers();
    let emit: (rel: string | null) => void = () => {};
    const batches: string[][] = [];
    const w = new FolderWatcher('/data', (p) => batches.push(p), {
      timers: t.timers,
      watch: (_f, onEvent): WatchHandle => ((emit = onEvent), { close: () => {} }),
    });
    w.start();
    expect(w.mode).toBe(WatchMode.Watch);
    emit('a.md');
    emit('.a.md.swp');
    emit('node_modules/x/index.js');
    emit('sub/b.md');
    emit('a.md');
    t.fire();
    expect(batches).toEqual([['/data/a.md', '/data/sub/b.md']]);
  });

  it('falls back to rescans when watching fails, and reports added, changed and removed files', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'keep.md'), 'one');
    writeFileSync(join(dir, 'gone.md'), 'bye');
    const t = handTimers();
    const batches: string[][] = [];
    const logs: string[] = [];
    const w = new FolderWatcher(dir, (p) => batches.push(p), {
      timers: t.timers,
      watch: () => {
        throw new Error('ENOSPC: inotify watch limit reached');
      },
      log: (l) => logs.push(l),
    });
    w.start();
    expect(w.mode).toBe(WatchMode.Rescan);
    expect(logs[0]).toMatch(/ENOSPC.*rescanning/);
    await settle(() => t.pending === 1);
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'new.md'), 'hello');
    writeFileSync(join(dir, 'keep.md'), 'one, longer now');
    unlinkSync(join(dir, 'gone.md'));
    t.fire();
    await settle(() => batches.length === 1);
    expect(batches[0]).toEqual([join(dir, 'gone.md'), join(dir, 'keep.md'), join(dir, 'sub', 'new.md')].sort());
    await settle(() => t.pending === 1);
    t.fire();
    await settle(() => t.pending === 1);
    expect(batches).toHaveLength(1);
    w.close();
    expect(t.pending).toBe(0);
  });

  it('switches to rescans when a running watch reports an error', async () => {
    const t = handTimers();
    let fail: (e: Error) => void = () => {};
    let closed = false;
    const w = new FolderWatcher(folder(), () => {}, {
      timers: t.timers,
      watch: (_f, _e, onError) => ((fail = onError), { close: () => void (closed = true) }),
    });
    w.start();
    fail(new Error('EPERM'));
    expect(closed).toBe(true);
    expect(w.mode).toBe(WatchMode.Rescan);
    await settle(() => t.pending === 1);
    w.close();
  });
});
