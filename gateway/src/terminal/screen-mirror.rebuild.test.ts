/**
 * A mirror fed faster than it parses drops what it has not parsed and
 * rebuilds from the recent output: its backlog stays bounded, and every
 * snapshot asked for along the way (some of them queued behind batches that
 * were then dropped) still covers every batch fed before it was asked for
 * and, with the batches after it replayed, draws the mirror's final screen.
 */
import { createPrng, testSeed } from '@tendril/crdt-schema/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { OutputBatch } from './output-batch.ts';
import { ScreenMirror } from './screen-mirror.ts';
import type { ScreenSnapshot } from './snapshot.ts';
import { TestViewer } from './test-support.ts';

const HIGH_WATER = 32 * 1024;
const REBUILD = 16 * 1024;
const MAX_BATCH = 4000;

const mirrors: ScreenMirror[] = [];
afterEach(async () => {
  await Promise.all(mirrors.splice(0).map((m) => m.close()));
});

/** Coloured lines with multi-byte characters, an OSC title and an alternate-screen episode every 500 lines. */
function program(lines: number): Uint8Array {
  const parts: string[] = [];
  for (let i = 1; i <= lines; i++) {
    parts.push(`\x1b[3${i % 8}m${i}\x1b[0m \x1b[1;4mé€😀 line ${i}\x1b[0m\x1b]2;t${i}\x1b\\\r\n`);
    if (i % 500 === 0) parts.push('\x1b[?1049h\x1b[Halt screen\x1b[5;5H\x1b[44mbox\x1b[0m\x1b[?1049l');
  }
  parts.push('\x1b[2A\x1b[10Cx$ ');
  return new Uint8Array(Buffer.from(parts.join(''), 'utf8'));
}

describe('a mirror that falls behind', () => {
  it('rebuilds with a bounded backlog, and its snapshots stay consistent', async () => {
    const prng = createPrng(testSeed('gateway/src/terminal/screen-mirror.rebuild.test.ts'));
    const bytes = program(8000);
    const batches: OutputBatch[] = [];
    for (let at = 0; at < bytes.length; ) {
      const n = Math.min(prng.int(1, MAX_BATCH), bytes.length - at);
      batches.push({ seq: batches.length, offset: at, bytes: bytes.slice(at, at + n) });
      at += n;
    }
    const mirror = new ScreenMirror({
      cols: 80, rows: 24, scrollback: 1000, highWaterBytes: HIGH_WATER, rebuildBytes: REBUILD,
      periodic: { everyBytes: Infinity }, snapshotBudgetBytes: Infinity,
    });
    mirrors.push(mirror);
    const asked: { fed: number; snapshot: Promise<ScreenSnapshot> }[] = [];
    await mirror.screenText(); // the worker is up
    let maxBacklog = 0;
    for (const [i, b] of batches.entries()) {
      mirror.feed(b);
      maxBacklog = Math.max(maxBacklog, mirror.backlogBytes);
      if (prng.bool(0.03)) asked.push({ fed: i + 1, snapshot: mirror.snapshot() });
      // Let the worker's answers in now and then, as a shell's output arrives over several turns.
      if (prng.bool(0.05)) await new Promise((r) => setTimeout(r, 1));
    }
    const text = await mirror.screenText();
    expect(text).toMatch(/^7999 é€😀 lx\$ +7999\n8000 é€😀 line 8000$/m);
    expect(mirror.rebuildCount).toBeGreaterThan(1);
    expect(maxBacklog).toBeLessThanOrEqual(HIGH_WATER + 2 * REBUILD + 3 * MAX_BATCH);

    let rebuilt = 0;
    for (const a of asked) {
      const s = await a.snapshot;
      expect(s.coversSeq).toBeGreaterThanOrEqual(a.fed);
      expect(s.coversOffset).toBe(batches[s.coversSeq - 1]!.offset + batches[s.coversSeq - 1]!.bytes.length);
      if (s.rebuilt) rebuilt++;
      const viewer = new TestViewer(80, 24, 1000);
      await viewer.restore(s);
      for (const b of batches.slice(s.coversSeq)) viewer.apply(b);
      expect(await viewer.text()).toBe(text);
    }
    expect(rebuilt).toBeGreaterThan(0);
    console.log(`${batches.length} batches, ${mirror.rebuildCount} rebuilds, ${asked.length} snapshots (${rebuilt} of a rebuilt screen), backlog at most ${maxBacklog}`);
  });
});
