/**
 * Worker-thread side of the screen mirror: parses the session's output into a
 * headless terminal off the main thread, so parsing (tens of MB/s, a core's
 * worth in a flood) never delays batches going to viewers; plain-text floods
 * are coalesced (mirror-feed.ts). Snapshot and text requests are answered in
 * message order. A snapshot covers every batch fed before the request; if
 * that output ends inside a sequence, the unfinished bytes are appended to it
 * (vt-boundary.ts), unless they pass MAX_TAIL (a huge unterminated string):
 * then the snapshot waits for the next batch that ends at a clean boundary.
 * A rebuild (screen-mirror.ts) drops the batches not parsed yet, resets the
 * screen after the write under way and parses the recent output it carries,
 * from a place where the parser's state is known (rebuild-start.ts);
 * requests that waited behind the dropped batches are answered after it.
 * On Linux the thread lowers its own scheduling priority (nice is per thread
 * there): in a flood on a busy machine the shell, the viewers' stream and the
 * relay get the CPU first, and the mirror falls behind and rebuilds instead.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import { HeadlessScreen } from './headless-screen.ts';
import { MirrorFeed } from './mirror-feed.ts';
import type { FromMirror, MirrorInit, ToMirror } from './mirror-channel.ts';
import type { StreamPosition } from './output-batch.ts';
import { rebuildStart, type BatchStart } from './rebuild-start.ts';
import { BoundaryScanner } from './vt-boundary.ts';

const MAX_TAIL = 1024 * 1024;

interface Pending {
  readonly id: number;
  readonly takenAt: number;
}

/** Nice value of the mirror thread: below the gateway's main thread, above idle work. */
const MIRROR_NICE = 10;

if (process.platform === 'linux') {
  try {
    // Pid 0 is the calling thread on Linux (per-thread nice); elsewhere it would be the whole process.
    setPriority(0, MIRROR_NICE);
  } catch {
    // Not permitted here (a sandbox): the mirror runs at the gateway's priority.
  }
}

const port = parentPort!;
const init = (workerData as { init: MirrorInit }).init;
const screen = new HeadlessScreen(init);
let scanner = new BoundaryScanner();
let fed: StreamPosition = { seq: init.startSeq ?? 0, offset: 0 };
let waiting: Pending[] = [];
let rebuilt = false;
/** Where the stream stood at the start of the batches fed since the last rebuild, for the next one (rebuild-start.ts). */
let starts: BatchStart[] = [];
/** Batch starts kept: a rebuild's window (256 KiB by default) holds a few of the largest batches or many small ones. */
const MAX_STARTS = 4096;

const send = (m: FromMirror): void => port.postMessage(m);
const feed = new MirrorFeed(screen, (seq, bytes) => send({ t: 'parsed', seq, bytes }));

/** gzip of the screen with as much scrollback as fits the budget, then the unfinished tail. */
function render(tail: Uint8Array): { gzip: Uint8Array; lines: number } {
  let lines = Math.min(init.scrollback, screen.scrollbackLines);
  for (let attempt = 0; ; attempt++) {
    const text = Buffer.from(screen.serialize(lines), 'utf8');
    const gzip = new Uint8Array(gzipSync(tail.length === 0 ? text : Buffer.concat([text, tail]), { level: init.gzipLevel }));
    if (gzip.length <= init.snapshotBudgetBytes || lines === 0 || attempt === 3) return { gzip, lines };
    lines = attempt === 2 ? 0 : Math.floor((lines * init.snapshotBudgetBytes * 0.9) / gzip.length);
  }
}

function answer(requests: Pending[], at: StreamPosition, tail: Uint8Array): void {
  if (requests.length === 0) return;
  const { gzip, lines } = render(tail);
  for (const r of requests) {
    send({ t: 'snapshot', id: r.id, coversSeq: at.seq, coversOffset: at.offset, size: screen.size, gzip, scrollbackLines: lines, takenAt: r.takenAt, rebuilt });
  }
}

function handle(m: ToMirror): void {
  switch (m.t) {
    case 'feed': {
      const { batch } = m;
      if (batch.seq !== fed.seq || batch.offset !== fed.offset) {
        send({ t: 'error', message: `mirror expected seq ${fed.seq}@${fed.offset}, got ${batch.seq}@${batch.offset}` });
        return;
      }
      const cleanStart = scanner.atBoundary;
      starts.push({ offset: batch.offset, clean: cleanStart });
      if (starts.length > MAX_STARTS) starts = starts.slice(-MAX_STARTS / 2);
      scanner.feed(batch.bytes);
      fed = { seq: batch.seq + 1, offset: batch.offset + batch.bytes.length };
      feed.push(batch, cleanStart);
      answerWaiting();
      return;
    }
    case 'rebuild': {
      const dropped = feed.drop();
      send({ t: 'dropped', bytes: dropped.bytes });
      // Resizes keep their place before the rebuilt output; requests are asked again after it.
      const again: ToMirror[] = [];
      for (const c of dropped.calls) {
        if (c.tag === undefined) feed.call(c.call);
        else again.push(c.tag as ToMirror);
      }
      feed.call(() => screen.reset());
      rebuilt ||= !m.exact;
      // Parse from a place where the parser's state is known (rebuild-start.ts); what comes before it counts as handled.
      const base = m.at.offset - m.bytes.length;
      const skip = rebuildStart(m.bytes, base, m.exact, starts);
      const bytes = m.bytes.subarray(skip);
      if (skip > 0) send({ t: 'parsed', seq: m.at.seq - 1, bytes: skip });
      starts = [{ offset: base + skip, clean: true }];
      scanner = new BoundaryScanner();
      scanner.feed(bytes);
      fed = m.at;
      feed.push({ seq: m.at.seq - 1, offset: base + skip, bytes }, true);
      answerWaiting();
      for (const r of again) handle(r);
      return;
    }
    case 'resize':
      feed.call(() => screen.resize(m.size));
      return;
    case 'snapshot': {
      const request = { id: m.id, takenAt: m.takenAt };
      if (scanner.tailBytes > MAX_TAIL) {
        waiting.push(request);
        return;
      }
      const at = fed;
      const tail = scanner.tail;
      feed.call(() => answer([request], at, tail), m);
      return;
    }
    case 'text':
      feed.call(() => send({ t: 'text', id: m.id, text: screen.screenText() }), m);
      return;
  }
}

/** Snapshots that waited for a clean boundary, once the output fed so far ends at one. */
function answerWaiting(): void {
  if (!scanner.atBoundary || waiting.length === 0) return;
  const ready = waiting;
  const at = fed;
  waiting = [];
  feed.call(() => answer(ready, at, new Uint8Array(0)));
}

port.on('message', (m: ToMirror) => {
  try {
    handle(m);
  } catch (error) {
    send({ t: 'error', message: error instanceof Error ? error.message : String(error) });
  }
});
