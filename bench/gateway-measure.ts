/**
 * Measurements for the gateway terminal benchmark: keystroke echo latency and
 * output throughput, each through raw node-pty and through the engine's
 * output stream, and the cost of a late-joiner restore. The runner
 * (gateway-terminal.ts) prints the figures.
 */
import { performance } from 'node:perf_hooks';
import { newSessionId } from '@tendril/crdt-schema/ids';
import pty from 'node-pty';
import type { Screen } from '../gateway/src/peer/viewer-core.ts';
import type { MirrorThread, ToMirror } from '../gateway/src/terminal/mirror-channel.ts';
import { createPtyHost, type PtySpawn } from '../gateway/src/terminal/pty-host.ts';
import { TerminalSession } from '../gateway/src/terminal/session.ts';
import type { TmuxConfig } from '../gateway/src/terminal/tmux.ts';

export const spawn: PtySpawn = (file, args, options) => pty.spawn(file, args, options);
const WRITER = 'W'.repeat(43) as never;

export function shellEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return { ...env, PS1: '$ ', HISTFILE: '/dev/null' };
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** A stand-in mirror thread that acknowledges every batch at once: the stream's own cost, without parsing. */
function nullMirror(): MirrorThread {
  const listeners: ((m: unknown) => void)[] = [];
  const thread = {
    postMessage(m: ToMirror) {
      if (m.t === 'feed') queueMicrotask(() => listeners.forEach((l) => l({ t: 'parsed', seq: m.batch.seq + 1, bytes: m.batch.bytes.length })));
    },
    on(event: string, l: (m: unknown) => void) {
      if (event === 'message') listeners.push(l);
      return thread;
    },
    terminate: async () => 0,
  };
  return thread as unknown as MirrorThread;
}

/** A shell behind the whole engine, with one subscriber whose arrivals the caller observes. */
export async function engineShell(options: { tmux?: TmuxConfig | null; args?: string[]; cols?: number; mirror?: boolean } = {}) {
  const id = newSessionId();
  const host = createPtyHost({ spawn, tmux: options.tmux ?? null });
  const size = { cols: options.cols ?? 80, rows: 24 };
  const { process } = await host.start({ sessionId: id, shell: '/bin/sh', args: options.args ?? [], cwd: '/tmp', env: shellEnv(), ...size });
  const mirror = options.mirror === false ? { startThread: nullMirror } : {};
  const booting = performance.now();
  const session = new TerminalSession({ id, title: 'bench', cwd: '/tmp', shell: 'sh', process, size, mirror, gate: { verify: () => WRITER, writers: () => [WRITER] } });
  if (options.mirror !== false) await session.screenText();
  const mirrorBootMs = performance.now() - booting;
  const sub = session.subscribe();
  if (sub.kind !== 'subscribed') throw new Error('live subscription refused');
  let counter = 0;
  return {
    session,
    /** Session start to the mirror's first answer (worker thread boot). */
    mirrorBootMs,
    /** Ends the shell (a stand-in mirror cannot take the final snapshot, so it is not awaited). */
    end: (): Promise<unknown> => (options.mirror === false ? Promise.resolve(void session.end()) : session.end()),
    onOutput(listener: (bytes: Uint8Array) => void): void {
      const drain = (): void => sub.subscription.take().forEach((b) => listener(b.bytes));
      sub.subscription.on('readable', drain);
      drain();
    },
    type(text: string): void {
      session.input({ session: id, counter: ++counter, data: Buffer.from(text) });
    },
  };
}

/** A shell in raw node-pty, the baseline. */
export function rawShell() {
  const p = pty.spawn('/bin/sh', [], { name: 'xterm-256color', cols: 80, rows: 24, cwd: '/tmp', env: shellEnv(), encoding: null });
  return {
    onOutput(listener: (bytes: Uint8Array) => void): void {
      p.onData((d) => listener(d as unknown as Uint8Array));
    },
    type(text: string): void {
      p.write(text);
    },
    end: () => p.kill(),
  };
}

type Shell = { onOutput(l: (b: Uint8Array) => void): void; type(t: string): void };

/** A viewer's Screen that parses nothing: it hands every write to one listener and counts resets (snapshot restores). */
export class TapScreen implements Screen {
  listener: (bytes: Uint8Array) => void = () => {};
  resets = 0;
  bytes = 0;
  write(bytes: Uint8Array): Promise<void> {
    this.bytes += bytes.length;
    this.listener(bytes);
    return Promise.resolve();
  }
  reset(): void {
    this.resets++;
  }
  resize(): void {}
}

/** Write one character, wait for its echo; repeated, alternating shells so that noise hits both alike. */
export async function echoLatency(shells: Record<string, Shell>, rounds: number): Promise<Record<string, number[]>> {
  const waiting = new Map<string, { ch: number; done: () => void }>();
  const out: Record<string, number[]> = {};
  for (const [name, shell] of Object.entries(shells)) {
    out[name] = [];
    shell.onOutput((bytes) => {
      const w = waiting.get(name);
      if (w !== undefined && bytes.includes(w.ch)) w.done();
    });
  }
  for (let i = 0; i < rounds; i++) {
    for (const [name, shell] of Object.entries(shells)) {
      const ch = 'abcdefghijklmnopqrstuvwxyz'.charCodeAt(i % 26);
      const started = performance.now();
      await new Promise<void>((resolve) => {
        waiting.set(name, { ch, done: resolve });
        shell.type(i % 60 === 59 ? '\x15' + String.fromCharCode(ch) : String.fromCharCode(ch));
      });
      out[name]!.push(performance.now() - started);
      waiting.delete(name);
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  return out;
}

/**
 * The last 64 characters of the output so far, given the text before and the next bytes: only the
 * bytes' last 64 become a string, so watching for a marker costs the same per write whatever its size
 * (a string of each whole batch cost the measuring process about 7% of its main thread in a flood,
 * more with larger batches).
 */
export function outputTail(before: string, bytes: Uint8Array): string {
  const from = Math.max(0, bytes.length - 64);
  return (before + Buffer.from(bytes.buffer, bytes.byteOffset + from, bytes.length - from).toString('latin1')).slice(-64);
}

/** Bytes per second for `command` until `marker` is seen in the output. */
export async function throughput(shell: Shell, command: string, marker: string): Promise<{ bytes: number; ms: number }> {
  let bytes = 0;
  let tail = '';
  let done: (() => void) | undefined;
  const finished = new Promise<void>((r) => (done = r));
  shell.onOutput((b) => {
    bytes += b.length;
    tail = outputTail(tail, b);
    if (tail.includes(marker)) done?.();
  });
  const started = performance.now();
  shell.type(`${command}; echo ${marker.slice(0, 3)}""${marker.slice(3)}\r`);
  await finished;
  return { bytes, ms: performance.now() - started };
}

/**
 * Commands that print 1,200 lines, so a 24-row screen holds 1,000 lines of scrollback: coloured
 * log-like text, or incompressible base64. The same text as the engine benchmark's restore step.
 */
export const SCROLLBACK_SCREENS = {
  log: `node -e 'for (let i = 1; i <= 1200; i++) console.log("\\x1b[2m2025-01-0" + (i % 9 + 1) + "T12:" + String(i % 60).padStart(2, "0") + ":07Z\\x1b[0m \\x1b[3" + (i % 3 + 2) + "mINFO\\x1b[0m worker[" + (i % 7) + "] processed item " + i * 37 + " in " + (i % 97) + " ms")'`,
  base64: 'base64 -w 78 /dev/urandom | head -n 1200',
} as const;
