/**
 * Coalescing plain-text floods is exact: a screen fed through MirrorFeed ends
 * byte-for-byte like one that parsed everything (screen, scrollback, colours,
 * cursor), while most of the flood is skipped. Randomized, replayable seed.
 */
import { createPrng, testSeed, type Prng } from '@tendril/crdt-schema/testkit';
import { describe, expect, it } from 'vitest';
import { HeadlessScreen } from './headless-screen.ts';
import { isPlain, keptTail, MirrorFeed } from './mirror-feed.ts';
import type { OutputBatch } from './output-batch.ts';
import { ManualTimers, waitFor } from './test-support.ts';
import { BoundaryScanner } from './vt-boundary.ts';

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const str = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

function batches(data: Uint8Array, prng: Prng): OutputBatch[] {
  const out: OutputBatch[] = [];
  for (let at = 0; at < data.length; ) {
    const n = Math.min(prng.int(1, 9000), data.length - at);
    out.push({ seq: out.length, offset: at, bytes: data.slice(at, at + n) });
    at += n;
  }
  return out;
}

/** Two screens: one parses every byte, one goes through MirrorFeed with everything queued at once. */
async function compare(data: Uint8Array, prng: Prng, rows = 24): Promise<{ skipped: number }> {
  const full = new HeadlessScreen({ cols: 80, rows, scrollback: 1000 });
  const fed = new HeadlessScreen({ cols: 80, rows, scrollback: 1000 });
  const feed = new MirrorFeed(fed, () => undefined);
  const scanner = new BoundaryScanner();
  for (const b of batches(data, prng)) {
    full.writeThen(b.bytes, () => undefined);
    const clean = scanner.atBoundary;
    scanner.feed(b.bytes);
    feed.push(b, clean);
  }
  await full.write('');
  await new Promise<void>((resolve) => feed.call(resolve));
  expect(fed.screenText()).toBe(full.screenText());
  expect(fed.serialize(1000)).toBe(full.serialize(1000));
  return { skipped: feed.skippedBytes };
}

function flood(prng: Prng, lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const text = prng.string(prng.int(0, 200), 'abcdefghij KLMNOP 0123456789\t');
    out.push(text + (prng.bool(0.05) ? '\n' : '\r\n'));
  }
  return out.join('');
}

const PREFIXES = [
  '',
  '\x1b[2J\x1b[H\x1b[44;33mblue\x1b[1m bold',
  'partial line without newline',
  '\x1b[10;40H\x1b[7mmid-screen',
  '\x1b(0lqqk\x1b(B\x1b[42m',
  '\x1b[5;10r\x1b[r\x1b[?7lno wrap',
];

describe('plain-text flood coalescing', () => {
  it('recognises plain text and keeps the right tail', () => {
    expect(isPlain(bytes('ab c\t\r\n'))).toBe(true);
    expect(isPlain(bytes('a\x1b[m'))).toBe(false);
    expect(isPlain(new Uint8Array(Buffer.from('é')))).toBe(false);
    expect(str(keptTail(bytes('1\r\n2\r\n3\r\n4'), 2))).toBe('\r2\r\n3\r\n4');
    expect(str(keptTail(bytes('1\n2\r\n3\n4\n'), 2))).toBe('\r3\n4\n');
    expect(str(keptTail(bytes('1\r\n2'), 5))).toBe('1\r\n2');
  });

  it('checks every byte whatever its place and alignment (the check goes four bytes at a time)', () => {
    const plain = (b: number): boolean => (b >= 0x20 && b <= 0x7e) || b === 0x09 || b === 0x0a || b === 0x0d;
    const buffer = new Uint8Array(32);
    for (let start = 0; start < 4; start++) {
      for (let length = 1; length <= 13; length++) {
        for (let at = 0; at < length; at++) {
          for (let b = 0; b < 256; b++) {
            buffer.fill(0x41);
            buffer[start + at] = b;
            if (isPlain(buffer.subarray(start, start + length)) !== plain(b)) expect.fail(`byte ${b} at ${at} of ${length} (offset ${start})`);
          }
        }
      }
    }
  });

  it('ends exactly like parsing everything, after any prefix', async () => {
    const prng = createPrng(testSeed('gateway/src/terminal/mirror-feed.coalesce.test.ts'));
    let skipped = 0;
    for (let round = 0; round < 12; round++) {
      const prefix = PREFIXES[round % PREFIXES.length]!;
      const suffix = prng.bool() ? '' : `\x1b[3${prng.int(0, 7)}mafter${prng.bool() ? '\r\n' : ''}`;
      const data = new Uint8Array(Buffer.from(prefix + flood(prng, prng.int(100, 4000)) + suffix, 'latin1'));
      skipped += (await compare(data, prng, prng.pick([5, 24, 50]))).skipped;
    }
    expect(skipped).toBeGreaterThan(0);
  });

  it('parses everything inside a scroll region or the alternate screen', async () => {
    const prng = createPrng(1);
    for (const prefix of ['\x1b[3;20r', '\x1b[?1049h']) {
      const data = new Uint8Array(Buffer.from(prefix + flood(prng, 3000), 'latin1'));
      expect((await compare(data, prng)).skipped).toBe(0);
    }
  });

  it('never cuts a run that completes an escape sequence', async () => {
    const prng = createPrng(2);
    const data = new Uint8Array(Buffer.from('\x1b[3' + '1m' + flood(prng, 3000), 'latin1'));
    await compare(data, prng);
  });

  it('cuts a held run past 1 MiB to its kept tail while it waits, exactly, and accounts for every byte', async () => {
    const prng = createPrng(3);
    for (const prefix of ['\x1b[44;33mblue\r\n', '\x1b[10;40Hmid-screen']) {
      const data = new Uint8Array(Buffer.from(prefix + flood(prng, 30_000), 'latin1'));
      const full = new HeadlessScreen({ cols: 80, rows: 24, scrollback: 1000 });
      const fed = new HeadlessScreen({ cols: 80, rows: 24, scrollback: 1000 });
      const reports: number[] = [];
      // The hold never ends by itself here: only the compaction can report bytes before the call.
      const feed = new MirrorFeed(fed, (_seq, n) => reports.push(n), 250, new ManualTimers());
      const scanner = new BoundaryScanner();
      const list = batches(data, prng);
      for (const b of list) {
        full.writeThen(b.bytes, () => undefined);
        const clean = scanner.atBoundary;
        scanner.feed(b.bytes);
        feed.push(b, clean);
        // Let the first (escaped, parsed at once) write finish, so the rest is held.
        if (b.seq === 0) await waitFor(() => reports.length > 0, 'the first write');
      }
      // The 3 MB held run was cut to its last ~1,000 lines as it grew, and those bytes reported.
      const reported = reports.slice(1).reduce((a, n) => a + n, 0);
      expect(reported).toBeGreaterThan(data.length - list[0]!.bytes.length - 1024 * 1024 - 200_000);
      await full.write('');
      await new Promise<void>((resolve) => feed.call(resolve));
      expect(reports.reduce((a, n) => a + n, 0)).toBe(data.length);
      expect(fed.screenText()).toBe(full.screenText());
      expect(fed.serialize(1000)).toBe(full.serialize(1000));
      expect(feed.skippedBytes).toBeGreaterThan(data.length / 2);
    }
  });

  it('runs calls after everything queued before them', async () => {
    const screen = new HeadlessScreen({ cols: 20, rows: 5 });
    const parsed: number[] = [];
    const feed = new MirrorFeed(screen, (seq) => parsed.push(seq));
    feed.push({ seq: 0, offset: 0, bytes: bytes('one') }, true);
    const seen = new Promise<string>((resolve) => feed.call(() => resolve(screen.screenText())));
    feed.push({ seq: 1, offset: 3, bytes: bytes(' two') }, true);
    expect(await seen).toBe('one');
    await new Promise<void>((resolve) => feed.call(resolve));
    expect(parsed).toEqual([1, 2]);
  });
});
