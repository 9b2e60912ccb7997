/**
 * Worker-thread side of the screen mirror: parses the session's output into a
 * headless terminal off the main thread, so parsing (about 10-30 MB/s) never
 * delays batches going to viewers. Answers snapshot and text requests in
 * message order; a snapshot waits for the first batch end that is a clean
 * parser boundary.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import { HeadlessScreen } from './headless-screen.ts';
import type { FromMirror, MirrorInit, ToMirror } from './mirror-protocol.ts';
import type { StreamPosition } from './output-batch.ts';
import { BoundaryScanner } from './vt-boundary.ts';

interface Pending {
  readonly id: number;
  readonly takenAt: number;
}

const port = parentPort!;
const init = (workerData as { init: MirrorInit }).init;
const screen = new HeadlessScreen(init);
const scanner = new BoundaryScanner();
let fed: StreamPosition = { seq: 0, offset: 0 };
let waiting: Pending[] = [];

const send = (m: FromMirror): void => port.postMessage(m);

function answer(requests: Pending[], at: StreamPosition): void {
  if (requests.length === 0) return;
  const text = screen.serialize(init.scrollback);
  const gzip = new Uint8Array(gzipSync(text, { level: init.gzipLevel }));
  for (const r of requests) {
    send({ t: 'snapshot', id: r.id, coversSeq: at.seq, coversOffset: at.offset, size: screen.size, gzip, takenAt: r.takenAt });
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
      scanner.feed(batch.bytes);
      const at: StreamPosition = { seq: batch.seq + 1, offset: batch.offset + batch.bytes.length };
      fed = at;
      const ready = scanner.atBoundary ? waiting : [];
      if (scanner.atBoundary) waiting = [];
      screen.writeThen(batch.bytes, () => {
        send({ t: 'parsed', seq: at.seq, bytes: batch.bytes.length });
        answer(ready, at);
      });
      return;
    }
    case 'resize':
      screen.writeThen('', () => screen.resize(m.size));
      return;
    case 'snapshot': {
      const request = { id: m.id, takenAt: m.takenAt };
      if (!scanner.atBoundary) {
        waiting.push(request);
        return;
      }
      const at = fed;
      screen.writeThen('', () => answer([request], at));
      return;
    }
    case 'text':
      screen.writeThen('', () => send({ t: 'text', id: m.id, text: screen.screenText() }));
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
