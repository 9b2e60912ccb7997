/**
 * The viewer audit must fail on every way a viewer can go wrong: one batch
 * dropped, one doubled, the tail missing, a replay started one batch late
 * after a snapshot, a snapshot the gateway never sent. And it must pass the
 * honest runs, with and without a snapshot restore.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { auditSegments, concat, RecordingScreen, snapshotKey, type Segment } from './viewer-audit.ts';

const enc = new TextEncoder();
const batches = Array.from({ length: 50 }, (_, b) => enc.encode(Array.from({ length: 20 }, (_, l) => `${b * 20 + l + 1}\r\n`).join('')));
const stream = concat(batches);
const offsetOf = (seq: number): number => batches.slice(0, seq).reduce((n, b) => n + b.length, 0);
const SNAP = 'snap-at-10';
const covers = new Map([[SNAP, offsetOf(10)]]);
const without = (i: number): Uint8Array[] => batches.filter((_, j) => j !== i);

describe('the viewer audit', () => {
  it('passes a viewer that drew every batch once, straight or after a snapshot', () => {
    expect(auditSegments(stream, [{ snapshot: null, writes: batches }], covers)).toEqual([]);
    const segments: Segment[] = [{ snapshot: null, writes: batches.slice(0, 7) }, { snapshot: SNAP, writes: batches.slice(10) }];
    expect(auditSegments(stream, segments, covers)).toEqual([]);
  });

  it('finds one dropped batch, one doubled batch and a missing tail', () => {
    expect(auditSegments(stream, [{ snapshot: null, writes: without(23) }], covers)).toEqual([expect.stringMatching(/^segment 0: differs .* offset 2\d\d\d /)]);
    const doubled = [...batches.slice(0, 31), batches[30]!, ...batches.slice(31)];
    expect(auditSegments(stream, [{ snapshot: null, writes: doubled }], covers)).toEqual([expect.stringMatching(/^segment 0: differs/)]);
    expect(auditSegments(stream, [{ snapshot: null, writes: batches.slice(0, -1) }], covers)).toEqual([
      `segment 0: ends at offset ${offsetOf(49)}, the gateway's output at ${stream.length}`,
    ]);
    // A dropped batch in a segment that a later snapshot replaced is still a lost byte.
    expect(auditSegments(stream, [{ snapshot: null, writes: without(3).slice(0, 8) }, { snapshot: SNAP, writes: batches.slice(10) }], covers)).toEqual([
      expect.stringMatching(/^segment 0: differs/),
    ]);
  });

  it('finds a replay that starts a batch off its snapshot, and a snapshot nobody sent', () => {
    expect(auditSegments(stream, [{ snapshot: SNAP, writes: batches.slice(11) }], covers)).toEqual([expect.stringMatching(/^segment 0: differs/)]);
    expect(auditSegments(stream, [{ snapshot: SNAP, writes: batches.slice(9) }], covers)).toEqual([expect.stringMatching(/^segment 0: differs/)]);
    expect(auditSegments(stream, [{ snapshot: 'other', writes: batches.slice(10) }], covers)).toEqual([
      'segment 0: restored from a snapshot the gateway never sent',
    ]);
  });

  it('records a snapshot restore as a new segment named by the snapshot', async () => {
    const screen = new RecordingScreen();
    await screen.write(batches[0]!);
    const gzip = gzipSync(enc.encode('restored screen'));
    const unpacked = await screen.gunzip(gzip);
    screen.reset(80, 24);
    await screen.write(unpacked);
    await screen.write(batches[10]!);
    expect(screen.segments).toEqual([
      { snapshot: null, writes: [batches[0]] },
      { snapshot: snapshotKey(gzip), writes: [batches[10]] },
    ]);
    expect(await screen.text()).toContain('restored screen');
  });
});
