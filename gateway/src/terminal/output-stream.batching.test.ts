/** Batching: the first bytes after idle leave at once, later ones coalesce per window or per size cap. */
import { describe, expect, it } from 'vitest';
import type { OutputBatch } from './output-batch.ts';
import { DEFAULT_MAX_BATCH_BYTES, OutputStream } from './output-stream.ts';
import { ManualTimers } from './test-support.ts';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: OutputBatch): string => new TextDecoder().decode(b.bytes);

function setup(options: { maxBatchBytes?: number } = {}) {
  const timers = new ManualTimers();
  const stream = new OutputStream({ flushMs: 4, timers, clock: timers, ...options });
  const batches: OutputBatch[] = [];
  stream.on('batch', (b) => batches.push(b));
  return { timers, stream, batches };
}

describe('output batching', () => {
  it('sends the first bytes after idle immediately', () => {
    const { stream, batches } = setup();
    stream.append(bytes('a'));
    expect(batches.map(text)).toEqual(['a']);
  });

  it('coalesces bytes arriving inside the window and flushes them when it ends', () => {
    const { timers, stream, batches } = setup();
    stream.append(bytes('a'));
    stream.append(bytes('b'));
    stream.append(bytes('c'));
    expect(batches.map(text)).toEqual(['a']);
    timers.advance(3);
    expect(batches.map(text)).toEqual(['a']);
    timers.advance(1);
    expect(batches.map(text)).toEqual(['a', 'bc']);
  });

  it('goes idle after a quiet window, so the next byte is immediate again', () => {
    const { timers, stream, batches } = setup();
    stream.append(bytes('a'));
    timers.advance(4);
    expect(timers.pending).toBe(0);
    stream.append(bytes('b'));
    expect(batches.map(text)).toEqual(['a', 'b']);
  });

  it('sends a lone echo at once when the window timer runs late (a busy event loop)', () => {
    const timers = new ManualTimers();
    let now = 0;
    // The clock moves on; the timers never fire, as when the loop is too busy to run them on time.
    const stream = new OutputStream({ flushMs: 4, timers, clock: { now: () => now } });
    const batches: OutputBatch[] = [];
    stream.on('batch', (b) => batches.push(b));
    stream.append(bytes('a'));
    now = 3;
    stream.append(bytes('b'));
    expect(batches.map(text)).toEqual(['a']);
    now = 5;
    stream.append(bytes('c'));
    expect(batches.map(text)).toEqual(['a', 'bc']);
    now = 20;
    stream.append(bytes('d'));
    expect(batches.map(text)).toEqual(['a', 'bc', 'd']);
  });

  it('feeds afterBatch after the batch listeners, in the same call', () => {
    const order: string[] = [];
    const stream = new OutputStream({ timers: new ManualTimers(), afterBatch: (b) => order.push(`after ${b.seq}`) });
    stream.on('batch', (b) => order.push(`batch ${b.seq}`));
    stream.append(bytes('a'));
    expect(order).toEqual(['batch 0', 'after 0']);
  });

  it('keeps windows open while output continues, each twice the last up to 16 ms, and back to 4 ms after', () => {
    const { timers, stream, batches } = setup();
    const at: number[] = [];
    stream.on('batch', () => at.push(timers.now()));
    stream.append(bytes('a'));
    // Output every millisecond for 60 ms: windows of 4, 8, 16, 16, 16 ms.
    for (let i = 0; i < 60; i++) {
      timers.advance(1);
      stream.append(bytes('x'));
    }
    expect(at).toEqual([0, 4, 12, 28, 44, 60]);
    stream.flush();
    expect(batches.map(text).join('')).toBe('a' + 'x'.repeat(60));
    // A quiet window ends the run: the next bytes go at once and open a 4 ms window again.
    timers.advance(100);
    stream.append(bytes('b'));
    stream.append(bytes('c'));
    timers.advance(4);
    expect(batches.map(text).slice(-2)).toEqual(['b', 'c']);
  });

  it('cuts a batch as soon as the size cap is reached, in cap-sized pieces', () => {
    const { stream, batches } = setup({ maxBatchBytes: 4 });
    stream.append(bytes('x'));
    stream.append(bytes('0123456789'));
    expect(batches.map(text)).toEqual(['x', '0123', '4567']);
    stream.flush();
    expect(batches.map(text)).toEqual(['x', '0123', '4567', '89']);
  });

  it('cuts a flood in 252 KiB batches by default (each batch is a sealed frame through the relay)', () => {
    const { stream, batches } = setup();
    stream.append(bytes('x'));
    stream.append(new Uint8Array(1024 * 1024));
    expect(batches.map((b) => b.bytes.length)).toEqual([1, ...new Array<number>(4).fill(DEFAULT_MAX_BATCH_BYTES)]);
    expect(DEFAULT_MAX_BATCH_BYTES).toBe(252 * 1024);
  });

  it('gives each cut batch a buffer of its own, bytes in order across the chunks it joins', () => {
    const { stream, batches } = setup({ maxBatchBytes: 8 });
    stream.append(bytes('x'));
    for (const chunk of ['abc', 'defghij', 'klmnopqrstuvw', 'xyz']) stream.append(bytes(chunk));
    stream.flush();
    expect(batches.map(text)).toEqual(['x', 'abcdefgh', 'ijklmnop', 'qrstuvwx', 'yz']);
    // A view into one shared buffer would be copied whole when posted to the mirror's thread; a
    // SharedArrayBuffer of the batch's own length is shared with it instead of copied at all.
    for (const b of batches.slice(1, 4)) {
      expect(b.bytes.byteLength).toBe(b.bytes.buffer.byteLength);
      expect(b.bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
    }
  });

  it('numbers batches without holes and tracks byte offsets', () => {
    const { timers, stream, batches } = setup({ maxBatchBytes: 3 });
    for (const s of ['ab', 'cdefg', 'h', 'ijklmnop', 'q']) {
      stream.append(bytes(s));
      timers.advance(2);
    }
    stream.end();
    expect(batches.map((b) => b.seq)).toEqual(batches.map((_, i) => i));
    let offset = 0;
    for (const b of batches) {
      expect(b.offset).toBe(offset);
      offset += b.bytes.length;
    }
    expect(batches.map(text).join('')).toBe('abcdefghijklmnopq');
    expect(stream.next).toEqual({ seq: batches.length, offset: 17 });
  });

  it('flushes on end and refuses output afterwards', () => {
    const { stream, batches } = setup();
    stream.append(bytes('a'));
    stream.append(bytes('b'));
    stream.end();
    expect(batches.map(text)).toEqual(['a', 'b']);
    expect(() => stream.append(bytes('c'))).toThrow(/ended/);
  });
});
