/**
 * Late joiners: a snapshot taken at any point (even mid-sequence or
 * mid-character) plus the batches after it rebuild exactly the mirror's
 * screen, scrollback and colours included.
 */
import { createPrng, testSeed } from '@tendril/crdt-schema/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { OutputBatch } from './output-batch.ts';
import { ScreenMirror } from './screen-mirror.ts';
import { snapshotBytes, type ScreenSnapshot } from './snapshot.ts';
import { TestViewer } from './test-support.ts';

const mirrors: ScreenMirror[] = [];
afterEach(async () => {
  await Promise.all(mirrors.splice(0).map((m) => m.close()));
});

/**
 * Coloured lines with multi-byte characters, OSC and DCS strings, an
 * alternate-screen episode and mode changes. (No OSC 8 hyperlinks: the
 * serializer does not keep link targets, so restored links are plain text.)
 */
function program(lines: number): Uint8Array {
  const parts: string[] = ['\x1b[?2004h'];
  for (let i = 1; i <= lines; i++) {
    parts.push(`\x1b[3${i % 8}m${i}\x1b[0m \x1b[1;4mé€😀 line ${i}\x1b[0m\x1b]2;t${i}\x1b\\|\x1bP$qm\x1b\\\r\n`);
    if (i === Math.floor(lines / 2)) parts.push('\x1b[?1049h\x1b[Halt screen\x1b[5;5H\x1b[44mbox\x1b[0m\x1b[?1049l');
  }
  parts.push('\x1b[2A\x1b[10Cx\x1b]0;title\x07$ ');
  return new Uint8Array(Buffer.from(parts.join(''), 'utf8'));
}

function cut(bytes: Uint8Array, sizes: () => number): OutputBatch[] {
  const out: OutputBatch[] = [];
  for (let at = 0; at < bytes.length; ) {
    const n = Math.min(sizes(), bytes.length - at);
    out.push({ seq: out.length, offset: at, bytes: bytes.slice(at, at + n) });
    at += n;
  }
  return out;
}

async function restore(s: ScreenSnapshot, batches: readonly OutputBatch[]): Promise<TestViewer> {
  const viewer = new TestViewer(80, 24, 1000);
  await viewer.restore(s);
  for (const b of batches.slice(s.coversSeq)) viewer.apply(b);
  await viewer.text();
  return viewer;
}

describe('snapshot + replay', () => {
  it('rebuilds the mirror screen from snapshots taken anywhere in the stream', async () => {
    const prng = createPrng(testSeed('gateway/src/terminal/screen-mirror.restore.test.ts'));
    const batches = cut(program(1500), () => prng.int(1, 400));
    const mirror = new ScreenMirror({ cols: 80, rows: 24, scrollback: 1000, periodic: { everyBytes: Infinity }, snapshotBudgetBytes: Infinity });
    mirrors.push(mirror);
    const asked: { fed: number; snapshot: Promise<ScreenSnapshot> }[] = [];
    batches.forEach((b, i) => {
      mirror.feed(b);
      if (prng.bool(0.02) || i === 0) asked.push({ fed: i + 1, snapshot: mirror.snapshot() });
    });
    const text = await mirror.screenText();
    const final = await mirror.snapshot();
    expect(final.coversSeq).toBe(batches.length);
    const wanted = Buffer.from(snapshotBytes(final)).toString('utf8');
    expect(text).toMatch(/1500 .*line 1500/);

    for (const a of asked) {
      const s = await a.snapshot;
      expect(s.coversSeq).toBe(a.fed);
      expect(s.coversOffset).toBe(batches[a.fed - 1]!.offset + batches[a.fed - 1]!.bytes.length);
      const viewer = await restore(s, batches);
      expect(viewer.next.seq).toBe(batches.length);
      expect(await viewer.text()).toBe(text);
      expect(viewer.screen.serialize(1000)).toBe(wanted);
    }
  });

  it('restores a screen with 1,000 lines of scrollback', async () => {
    const batches = cut(program(1200), () => 16 * 1024);
    const mirror = new ScreenMirror({ cols: 80, rows: 24, scrollback: 1000, snapshotBudgetBytes: Infinity });
    mirrors.push(mirror);
    batches.forEach((b) => mirror.feed(b));
    const s = await mirror.snapshot();
    expect(s.scrollbackLines).toBe(1000);
    const viewer = await restore(s, batches);
    expect(viewer.screen.scrollbackLines).toBe(1000);
    expect(await viewer.text()).toBe(await mirror.screenText());
  });

  it('cuts scrollback, never the screen, to keep a snapshot within its size budget', async () => {
    const prng = createPrng(7);
    const noise = Array.from({ length: 1200 }, () => prng.string(78, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') + '\r\n').join('');
    const batches = cut(new Uint8Array(Buffer.from(noise)), () => 16 * 1024);
    const mirror = new ScreenMirror({ cols: 80, rows: 24, scrollback: 1000, snapshotBudgetBytes: 24 * 1024 });
    mirrors.push(mirror);
    batches.forEach((b) => mirror.feed(b));
    const s = await mirror.snapshot();
    expect(s.gzip.length).toBeLessThanOrEqual(24 * 1024);
    expect(s.scrollbackLines).toBeGreaterThan(100);
    expect(s.scrollbackLines).toBeLessThan(1000);
    const viewer = await restore(s, batches);
    expect(viewer.screen.scrollbackLines).toBe(s.scrollbackLines);
    expect(await viewer.text()).toBe(await mirror.screenText());
  });

  it('emits periodic snapshots after enough new output', async () => {
    const mirror = new ScreenMirror({ cols: 80, rows: 24, periodic: { everyBytes: 1000, everyMs: 1e9, minIntervalMs: 0 } });
    mirrors.push(mirror);
    const got = mirror.when('snapshot');
    const batches = cut(program(50), () => 500);
    batches.forEach((b) => mirror.feed(b));
    const s = await got;
    expect(s.coversSeq).toBeGreaterThanOrEqual(2);
  });
});
