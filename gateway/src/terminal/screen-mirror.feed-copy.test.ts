/**
 * What a batch posts to the mirror thread: only its own bytes. A PTY chunk of
 * a few bytes is a Buffer in Node's shared 8 KiB allocation pool, and posting
 * a view clones its whole ArrayBuffer, with whatever else the process put in
 * the pool (another session's output, decoded secrets). Buffer#slice is a
 * view, not a copy, so the feed must copy the bytes itself.
 */
import { describe, expect, it } from 'vitest';
import type { MirrorThread, ToMirror } from './mirror-channel.ts';
import { ScreenMirror } from './screen-mirror.ts';

/** A stand-in thread that keeps what a real postMessage would carry across (a structured clone). */
function recordingThread(posted: ToMirror[]): MirrorThread {
  const thread = {
    postMessage: (m: ToMirror) => posted.push(structuredClone(m)),
    on: () => thread,
    terminate: () => Promise.resolve(0),
  };
  return thread as unknown as MirrorThread;
}

describe('feeding the screen mirror', () => {
  it('posts only the batch bytes of a pooled Buffer, never its neighbours in the pool', async () => {
    const posted: ToMirror[] = [];
    const mirror = new ScreenMirror({ cols: 80, rows: 24, periodic: { everyBytes: Infinity }, startThread: () => recordingThread(posted) });
    // Two small allocations from the same pool: another session's bytes, then this session's echo.
    const other = Buffer.from('other-session-secret', 'utf8');
    const echo = Buffer.from('ls\r\n', 'utf8');
    expect(echo.buffer).toBe(other.buffer); // the premise: both live in one pool
    mirror.feed({ seq: 0, offset: 0, bytes: echo });
    const feed = posted.find((m) => m.t === 'feed');
    if (feed?.t !== 'feed') throw new Error('no feed posted');
    expect(Buffer.from(feed.batch.bytes).toString('utf8')).toBe('ls\r\n');
    expect(feed.batch.bytes.buffer.byteLength).toBe(echo.length);
    expect(Buffer.from(feed.batch.bytes.buffer).toString('latin1')).not.toContain('other-session-secret');
    await mirror.close();
  });
});
