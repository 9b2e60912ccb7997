/**
 * Helpers shared by the terminal engine's tests and benchmarks: manual timers,
 * polling with a deadline, a real shell session, and a viewer that restores a
 * snapshot and replays batches into its own headless screen.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newSessionId, type DeviceId, type SessionId } from '@tendril/crdt-schema/ids';
import pty from 'node-pty';
import { onTestFinished } from 'vitest';
import type { Clock, TimerHandle, Timers } from './deps.ts';
import { HeadlessScreen } from './headless-screen.ts';
import type { OutputBatch } from './output-batch.ts';
import { createPtyHost, type PtySpawn } from './pty-host.ts';
import { TerminalSession, type TerminalSessionOptions } from './session.ts';
import { snapshotBytes, type ScreenSnapshot } from './snapshot.ts';
import type { TmuxConfig } from './tmux.ts';

/** Timers that fire only when the test advances the clock. */
export class ManualTimers implements Timers, Clock {
  private at = 0;
  private seq = 0;
  private readonly due = new Map<number, { when: number; fn: () => void }>();
  now(): number {
    return this.at;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.due.set(id, { when: this.at + Math.max(0, ms), fn });
    return id;
  }
  clearTimeout(handle: TimerHandle): void {
    this.due.delete(handle as number);
  }
  get pending(): number {
    return this.due.size;
  }
  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const end = this.at + ms;
    for (;;) {
      const next = [...this.due.entries()].sort((a, b) => a[1].when - b[1].when || a[0] - b[0])[0];
      if (next === undefined || next[1].when > end) break;
      this.due.delete(next[0]);
      this.at = next[1].when;
      next[1].fn();
    }
    this.at = end;
  }
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `ms`. */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const spawnPty: PtySpawn = (file, args, options) => pty.spawn(file, args, options);

/** The test process environment with string values only, and a quiet, predictable prompt. */
export function shellEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return { ...env, PS1: '$ ', HISTFILE: '/dev/null' };
}

export const WRITER = 'W'.repeat(43) as DeviceId;

/** A fresh directory, removed when the current test has finished. */
export async function tempDir(prefix = 'tendril-term-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts a real shell session (plain PTY unless `tmux` is given) with one writer who signs everything. */
export async function startShellSession(
  options: { tmux?: TmuxConfig | null; args?: string[]; shell?: string; cwd?: string; id?: SessionId } & Partial<TerminalSessionOptions> = {},
): Promise<TerminalSession> {
  const id = options.id ?? newSessionId();
  const cwd = options.cwd ?? (await tempDir());
  const shell = options.shell ?? '/bin/sh';
  const host = createPtyHost({ spawn: spawnPty, tmux: options.tmux ?? null });
  const size = options.size ?? { cols: 80, rows: 24 };
  const { process } = await host.start({ sessionId: id, shell, args: options.args ?? [], cwd, env: shellEnv(), ...size });
  return new TerminalSession({
    id, title: 'test', cwd, shell, process, size,
    gate: { verify: (f) => f.device ?? null, writers: () => [WRITER] },
    ...options,
  });
}

/** A viewer: restores snapshots, applies batches, and checks that each batch continues the last. */
export class TestViewer {
  screen: HeadlessScreen;
  next = { seq: 0, offset: 0 };
  bytes = 0;
  constructor(private readonly cols = 80, private readonly rows = 24, private readonly scrollback = 1000) {
    this.screen = new HeadlessScreen({ cols, rows, scrollback });
  }
  async restore(s: ScreenSnapshot): Promise<void> {
    this.screen.dispose();
    this.screen = new HeadlessScreen({ cols: s.cols, rows: s.rows, scrollback: this.scrollback });
    await this.screen.write(snapshotBytes(s));
    this.next = { seq: s.coversSeq, offset: s.coversOffset };
  }
  apply(b: OutputBatch): void {
    if (b.seq !== this.next.seq || b.offset !== this.next.offset) {
      throw new Error(`batch ${b.seq}@${b.offset} does not continue ${this.next.seq}@${this.next.offset}`);
    }
    this.next = { seq: b.seq + 1, offset: b.offset + b.bytes.length };
    this.bytes += b.bytes.length;
    this.screen.writeThen(b.bytes, () => undefined);
  }
  async text(): Promise<string> {
    await this.screen.write('');
    return this.screen.screenText();
  }
}
