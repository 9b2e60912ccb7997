/**
 * Feeds a mirror's headless screen in order, one write at a time, and
 * coalesces plain-text floods. Batches queue up while the parser is busy; when
 * the queue starts with a run of plain text (printable ASCII, tab, CR, LF) at
 * a clean parser boundary, and plain text can only scroll the whole screen
 * (normal buffer, full scroll region), only the last lines of the run are
 * parsed: everything before them would scroll out of the scrollback anyway.
 * A plain run is held for `holdMs` (250 ms) before it is parsed, unless a call
 * is queued behind it, so that a sustained flood is parsed in few slices: about
 * 100 KB (the kept lines) four times a second whatever its rate. While a run is
 * held and passes 1 MiB it is cut to its kept tail at once (compacted), so a
 * hold keeps little memory, and the bytes cut are reported as handled. The
 * mirror lags by the hold, which nothing observes: a snapshot or screen text
 * request is a call, and ends the hold; the keystroke path is not involved.
 *
 * Why that is exact: the kept part starts right after a CR LF, so at column 0
 * (a CR is written first to put the cursor there); it holds K = scrollback +
 * 2 x rows + 1 line feeds, so after at most `rows` of them the cursor is on
 * the bottom row either way, and the final rows + scrollback lines are all
 * fresh lines written by the kept part alone. Plain text changes no other
 * state (modes, attributes, charsets, saved cursor). A compacted run is such a
 * kept part followed by more plain text, so its own kept tail is again one.
 */
import { systemTimers, type TimerHandle, type Timers } from './deps.ts';
import type { HeadlessScreen } from './headless-screen.ts';
import { concatBytes, type OutputBatch } from './output-batch.ts';

/** A queued batch; `weight` is the output bytes it stands for (more than its own after a compaction). */
type Fed = { readonly batch: OutputBatch; readonly plain: boolean; readonly cleanStart: boolean; readonly weight: number };
type Item = Fed | { readonly call: () => void; readonly tag?: unknown };

/** What `drop` took out of the queue: the bytes of the batches, and the calls (with their tags), in order. */
export interface Dropped {
  readonly bytes: number;
  readonly calls: { readonly call: () => void; readonly tag?: unknown }[];
}

const CR = 0x0d;
const LF = 0x0a;

/** A held plain run is compacted to its kept tail when its bytes pass this. */
const COMPACT_BYTES = 1024 * 1024;

/** 1 for the bytes plain text may hold: printable ASCII, tab, CR and LF. */
const PLAIN = new Uint8Array(256);
for (let b = 0x20; b <= 0x7e; b++) PLAIN[b] = 1;
PLAIN[0x09] = PLAIN[CR] = PLAIN[LF] = 1;

function plainBytes(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (PLAIN[bytes[i]!] === 0) return false;
  return true;
}

/**
 * Printable ASCII, tab, CR and LF only. Every byte of a flood is checked, so four at a time: a word
 * whose bytes are all in 0x20..0x7e passes at once, any other is checked byte by byte (about three
 * times the speed of a byte loop on base64 text).
 */
export function isPlain(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return plainBytes(bytes, 0, bytes.length);
  const head = (4 - (bytes.byteOffset & 3)) & 3;
  if (!plainBytes(bytes, 0, head)) return false;
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset + head, (bytes.length - head) >>> 2);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    // Some byte below 0x20, or some byte above 0x7e (the classic "has less" / "has more" word tests).
    if (((w - 0x20202020) & ~w & 0x80808080) !== 0 || (((w + 0x01010101) | w) & 0x80808080) !== 0) {
      const at = head + 4 * i;
      if (!plainBytes(bytes, at, at + 4)) return false;
    }
  }
  return plainBytes(bytes, head + 4 * words.length, bytes.length);
}

/**
 * The part of plain text worth parsing: from just after the CR LF that leaves `keepLines` line feeds,
 * or all of it. The text comes in `parts` (the batches of a run), and only the kept part is copied.
 */
export function keptTailOf(parts: readonly Uint8Array[], keepLines: number): { readonly kept: Uint8Array; readonly cut: boolean } {
  let lfs = 0;
  for (let p = parts.length - 1; p >= 0; p--) {
    const part = parts[p]!;
    for (let i = part.length - 1; i >= 0; i--) {
      if (part[i] !== LF) continue;
      if (lfs >= keepLines && byteBefore(parts, p, i) === CR) return { kept: concatBytes([Uint8Array.of(CR), part.subarray(i + 1), ...parts.slice(p + 1)]), cut: true };
      lfs++;
    }
  }
  return { kept: concatBytes(parts), cut: false };
}

/** The part of plain text worth parsing (keptTailOf of one part; the text itself when nothing is cut). */
export function keptTail(text: Uint8Array, keepLines: number): Uint8Array {
  const { kept, cut } = keptTailOf([text], keepLines);
  return cut ? kept : text;
}

/** The byte just before `parts[p][i]` across parts, or -1 at the start. */
function byteBefore(parts: readonly Uint8Array[], p: number, i: number): number {
  if (i > 0) return parts[p]![i - 1]!;
  for (let q = p - 1; q >= 0; q--) if (parts[q]!.length > 0) return parts[q]![parts[q]!.length - 1]!;
  return -1;
}

export class MirrorFeed {
  private readonly queue: Item[] = [];
  private busy = false;
  private hold: TimerHandle | undefined;
  private held = false;
  /** Bytes dropped by coalescing so far. */
  skippedBytes = 0;

  constructor(
    private readonly screen: HeadlessScreen,
    private readonly parsed: (nextSeq: number, bytes: number) => void,
    private readonly holdMs = 250,
    private readonly timers: Timers = systemTimers,
  ) {}

  /** Queues a batch; `cleanStart` says the stream was at a clean boundary before it. */
  push(batch: OutputBatch, cleanStart: boolean): void {
    this.queue.push({ batch, plain: isPlain(batch.bytes), cleanStart, weight: batch.bytes.length });
    this.pump();
  }

  /** Runs `fn` once everything queued before it is parsed; `tag` is handed back if `drop` takes it out. */
  call(fn: () => void, tag?: unknown): void {
    this.queue.push({ call: fn, ...(tag !== undefined ? { tag } : {}) });
    if (this.hold !== undefined) this.timers.clearTimeout(this.hold);
    this.hold = undefined;
    this.pump();
  }

  /**
   * Empties the queue without parsing it (a write already under way finishes). The caller decides
   * what becomes of the calls that were waiting behind the dropped batches.
   */
  drop(): Dropped {
    let bytes = 0;
    const calls: Dropped['calls'] = [];
    for (const item of this.queue.splice(0)) {
      if ('call' in item) calls.push(item);
      else bytes += item.weight;
    }
    if (this.hold !== undefined) this.timers.clearTimeout(this.hold);
    this.hold = undefined;
    this.held = false;
    return { bytes, calls };
  }

  private pump(): void {
    while (!this.busy && this.queue.length > 0) {
      const first = this.queue[0]!;
      if ('call' in first) {
        this.queue.shift();
        first.call();
        continue;
      }
      const coalesce = first.plain && first.cleanStart && this.screen.scrollsWholeScreen;
      if (coalesce && this.shouldHold()) return;
      const run = this.takeRun(first.plain);
      const bytes = run.reduce((n, f) => n + f.weight, 0);
      const parts = run.map((f) => f.batch.bytes);
      let data: Uint8Array;
      if (coalesce) {
        const { kept, cut } = keptTailOf(parts, this.keepLines);
        data = kept;
        if (cut) this.skippedBytes += bytes - (kept.length - 1);
      } else {
        data = concatBytes(parts);
      }
      const nextSeq = run.at(-1)!.batch.seq + 1;
      this.busy = true;
      this.screen.writeThen(data, () => {
        this.busy = false;
        this.parsed(nextSeq, bytes);
        this.pump();
      });
    }
  }

  /** Line feeds a coalesced run keeps: the scrollback, twice the rows, and one. */
  private get keepLines(): number {
    return this.screen.scrollbackLimit + 2 * this.screen.size.rows + 1;
  }

  /**
   * True while the plain run at the front should wait for more (one hold at most; never before a
   * call). A held run past COMPACT_BYTES is cut to its kept tail, the bytes cut reported as parsed.
   */
  private shouldHold(): boolean {
    if (this.held || this.holdMs <= 0) {
      this.held = false;
      return false;
    }
    let bytes = 0;
    for (const item of this.queue) {
      if ('call' in item || !item.plain) return false;
      bytes += item.batch.bytes.length;
    }
    // Text with too few CR LFs to cut is parsed as it is, as soon as it passes the mark.
    if (bytes > COMPACT_BYTES && !this.compact()) return false;
    this.hold ??= this.timers.setTimeout(() => {
      this.hold = undefined;
      this.held = true;
      this.pump();
    }, this.holdMs);
    return true;
  }

  /** Replaces the queue (a held plain run from a clean start) by its kept tail; false when nothing can be cut. */
  private compact(): boolean {
    const run = this.queue as Fed[];
    const { kept, cut } = keptTailOf(run.map((f) => f.batch.bytes), this.keepLines);
    if (!cut) return false;
    const weight = run.reduce((n, f) => n + f.weight, 0);
    const first = run[0]!.batch;
    const last = run.at(-1)!.batch;
    const stands = kept.length - 1;
    const batch: OutputBatch = { seq: last.seq, offset: last.offset + last.bytes.length - stands, bytes: kept };
    this.queue.splice(0, run.length, { batch, plain: true, cleanStart: true, weight: stands });
    this.skippedBytes += weight - stands;
    this.parsed(first.seq, weight - stands);
    return true;
  }

  /** Leading batches of one kind (plain or not), up to 1 MiB unless plain. */
  private takeRun(plain: boolean): Fed[] {
    const run: Fed[] = [];
    let bytes = 0;
    while (this.queue.length > 0) {
      const item = this.queue[0]!;
      if ('call' in item || item.plain !== plain || (run.length > 0 && !plain && bytes > 1024 * 1024)) break;
      run.push(item);
      bytes += item.batch.bytes.length;
      this.queue.shift();
    }
    return run;
  }
}
