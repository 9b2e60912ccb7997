/**
 * The channel between a screen mirror (main thread) and its worker thread:
 * the messages, which the worker handles strictly in order (so a snapshot or
 * text request reflects exactly the batches sent before it), and how the
 * thread is started. From TypeScript sources (the gateway runs under tsx,
 * tests under vitest) a worker cannot inherit the parent's loader on Node 20,
 * so it boots through tsx's `tsImport`; compiled JavaScript loads
 * `mirror-worker.js` directly.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TerminalSize } from './deps.ts';
import type { OutputBatch, StreamPosition } from './output-batch.ts';

export interface MirrorInit extends TerminalSize {
  /** Lines of scrollback the mirror keeps and snapshots include. */
  readonly scrollback: number;
  /** gzip level for snapshots (1..9). */
  readonly gzipLevel: number;
  /** Scrollback is cut until a snapshot's gzip fits this many bytes (the screen itself is always sent). */
  readonly snapshotBudgetBytes: number;
  /** The seq of the first batch it will be fed (the stream's startSeq). */
  readonly startSeq?: number;
}

/** Main thread to worker. */
export type ToMirror =
  | { readonly t: 'feed'; readonly batch: OutputBatch }
  | { readonly t: 'resize'; readonly size: TerminalSize }
  /**
   * Drop every batch not parsed yet, reset the screen and parse `bytes`, the output just before `at`
   * (from where the worker knows the parser's state, rebuild-start.ts, or all of it from the stream's
   * start when `exact`); the next batch fed is at `at`.
   */
  | { readonly t: 'rebuild'; readonly bytes: Uint8Array; readonly at: StreamPosition; readonly exact: boolean }
  | { readonly t: 'snapshot'; readonly id: number; readonly takenAt: number }
  | { readonly t: 'text'; readonly id: number };

/** Worker to main thread. */
export type FromMirror =
  /** `bytes` more bytes were parsed; `seq` is the next unparsed batch. */
  | { readonly t: 'parsed'; readonly seq: number; readonly bytes: number }
  /** The answer to a rebuild: `bytes` fed before it were dropped unparsed. */
  | { readonly t: 'dropped'; readonly bytes: number }
  | {
      readonly t: 'snapshot';
      readonly id: number;
      readonly coversSeq: number;
      readonly coversOffset: number;
      readonly size: TerminalSize;
      readonly gzip: Uint8Array;
      readonly scrollbackLines: number;
      readonly takenAt: number;
      /** The screen was rebuilt from recent output since the session started (not from all of it). */
      readonly rebuilt: boolean;
    }
  | { readonly t: 'text'; readonly id: number; readonly text: string }
  | { readonly t: 'error'; readonly message: string };

export function isFromMirror(m: unknown): m is FromMirror {
  if (typeof m !== 'object' || m === null) return false;
  const t = (m as { t?: unknown }).t;
  return t === 'parsed' || t === 'dropped' || t === 'snapshot' || t === 'text' || t === 'error';
}

/** The thread a mirror talks to (a `Worker`, or a stand-in in tests). */
export type MirrorThread = Pick<Worker, 'postMessage' | 'on' | 'terminate'>;

/** Starts a mirror thread for one session. */
export type StartMirrorThread = (init: MirrorInit) => MirrorThread;

const BOOT = `
const { workerData } = require('node:worker_threads');
import(workerData.tsx)
  .then((tsx) => tsx.tsImport(workerData.entry, workerData.entry))
  .catch((error) => setImmediate(() => { throw error; }));
`;

export const startMirrorThread: StartMirrorThread = (init) => {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './mirror-worker.ts' : './mirror-worker.js', import.meta.url);
  if (!fromSource) return new Worker(entry, { workerData: { init } });
  const tsxApi = createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs');
  return new Worker(BOOT, { eval: true, workerData: { init, entry: entry.href, tsx: pathToFileURL(tsxApi).href } });
};
