/**
 * Worker-thread side of the screen mirror: parses the session's output into a
 * headless terminal off the main thread, so parsing (tens of MB/s, a core's
 * worth in a flood) never delays batches going to viewers; plain-text floods
 * are coalesced (mirror-feed.ts). Snapshot and text requests are answered in
 * message order. A snapshot covers every batch fed before the request; if
 * that output ends inside a sequence, the unfinished bytes are appended to it
 * (vt-boundary.ts), unless they pass MAX_TAIL (a huge unterminated string):
 * then the snapshot waits for the next batch that ends at a clean boundary.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import { HeadlessScreen } from './headless-screen.ts';
import { MirrorFeed } from './mirror-feed.ts';
import type { FromMirror, MirrorInit, ToMirror } from './mirror-channel.ts';
import type { StreamPosition } from './output-batch.ts';
import { BoundaryScanner } from './vt-boundary.ts';

const MAX_TAIL = 1024 * 1024;

interface Pending {
  readonly id: number;
  readonly takenAt: number;
}

const port = parentPort!;
const init = (workerData as { init: MirrorInit }).init;
const screen = new HeadlessScreen(init);
const scanner = new BoundaryScanner();
let fed: StreamPosition = { seq: init.startSeq ?? 0, offset: 0 };
let waiting: Pending[] = [];

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
    send({ t: 'snapshot', id: r.id, coversSeq: at.seq, coversOffset: at.offset, size: screen.size, gzip, scrollbackLines: lines, takenAt: r.takenAt });
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
      scanner.feed(batch.bytes);
      const at: StreamPosition = { seq: batch.seq + 1, offset: batch.offset + batch.bytes.length };
      fed = at;
      feed.push(batch, cleanStart);
      if (scanner.atBoundary && waiting.length > 0) {
        const ready = waiting;
        waiting = [];
        feed.call(() => answer(ready, at, new Uint8Array(0)));
      }
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
      feed.call(() => answer([request], at, tail));
      return;
    }
    case 'text':
      feed.call(() => send({ t: 'text', id: m.id, text: screen.screenText() }));
      return;
  }
}

port.on('message', (m: ToMirror) => {
  try {
    handle(m);
  } catch (error) {
    send({ t: 'error', message: error instanceof Error ? error.message : String(error) });
  }
});
