/**
 * Messages between a screen mirror (main thread) and its worker thread. The
 * worker handles them strictly in order, so a snapshot or text request
 * reflects exactly the batches sent before it.
 */
import type { TerminalSize } from './deps.ts';
import type { OutputBatch } from './output-batch.ts';

export interface MirrorInit extends TerminalSize {
  /** Lines of scrollback the mirror keeps and snapshots include. */
  readonly scrollback: number;
  /** gzip level for snapshots (1..9). */
  readonly gzipLevel: number;
}

/** Main thread to worker. */
export type ToMirror =
  | { readonly t: 'feed'; readonly batch: OutputBatch }
  | { readonly t: 'resize'; readonly size: TerminalSize }
  | { readonly t: 'snapshot'; readonly id: number; readonly takenAt: number }
  | { readonly t: 'text'; readonly id: number };

/** Worker to main thread. */
export type FromMirror =
  /** `bytes` more bytes were parsed; `seq` is the next unparsed batch. */
  | { readonly t: 'parsed'; readonly seq: number; readonly bytes: number }
  | {
      readonly t: 'snapshot';
      readonly id: number;
      readonly coversSeq: number;
      readonly coversOffset: number;
      readonly size: TerminalSize;
      readonly gzip: Uint8Array;
      readonly takenAt: number;
    }
  | { readonly t: 'text'; readonly id: number; readonly text: string }
  | { readonly t: 'error'; readonly message: string };

export function isFromMirror(m: unknown): m is FromMirror {
  if (typeof m !== 'object' || m === null) return false;
  const t = (m as { t?: unknown }).t;
  return t === 'parsed' || t === 'snapshot' || t === 'text' || t === 'error';
}
