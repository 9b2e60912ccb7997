import { describe, expect, it } from 'vitest';
import type { DocId } from '@tendril/crdt-schema/ids';
import { DEFAULT_MAX_BATCH_BYTES } from '../terminal/output-stream.ts';
import { ManualTimers } from '../terminal/test-support.ts';
import { MAX_RUN_BYTES, StreamPacer, type StreamTarget } from './stream-pacer.ts';
import { decodeTerm, encodeTerm, TermTag, type TermMessage } from './term-messages.ts';

function world(o: { perSecond?: number; burst?: number; maxRunBytes?: number; maxQueuedBytes?: number } = {}) {
  let now = 0;
  const timers = new ManualTimers();
  const sent: { doc: string; to: string; m: TermMessage }[] = [];
  const target = (doc: string): StreamTarget => ({ doc: doc as DocId, sendStream: (payload, to = '') => (sent.push({ doc, to, m: decodeTerm(payload instanceof Uint8Array ? payload : Buffer.concat(payload))! }), true) });
  const dropped: number[] = [];
  const pacer = new StreamPacer({ ...o, clock: { now: () => now }, timers, onDrop: (n) => dropped.push(n) });
  const advance = (ms: number) => {
    now += ms;
    timers.advance(ms);
  };
  return { pacer, sent, target, advance, dropped };
}

const out = (seq: number, n = 10): TermMessage => ({ t: TermTag.Output, seq, offset: seq * n, bytes: new Uint8Array(n).fill(seq & 0xff) });

describe('stream pacing', () => {
  it('keeps the largest merged run, sealed, under the relay stream payload limit (256 KiB)', () => {
    const w = world({ burst: 1 });
    const a = w.target('a');
    w.pacer.send(a, { t: TermTag.Live, seq: 0 });
    for (let seq = 0; seq < 8; seq++) w.pacer.send(a, { t: TermTag.Output, seq, offset: seq * 64 * 1024, bytes: new Uint8Array(64 * 1024) });
    w.advance(1000);
    const runs = w.sent.map((s) => s.m).filter((m) => m.t === TermTag.OutputRun);
    expect(runs[0]).toMatchObject({ count: 3, seq: 0 });
    const biggest = encodeTerm({ t: TermTag.OutputRun, seq: Number.MAX_SAFE_INTEGER, count: 2 ** 31, offset: Number.MAX_SAFE_INTEGER, bytes: new Uint8Array(MAX_RUN_BYTES) });
    // The sealed payload adds a 2-byte epoch, a 24-byte nonce and a 16-byte tag.
    expect(biggest.length + 2 + 24 + 16).toBeLessThanOrEqual(256 * 1024);
    // A session's batches are never larger than a run may be: each fits one frame as it is.
    expect(DEFAULT_MAX_BATCH_BYTES).toBeLessThanOrEqual(MAX_RUN_BYTES);
  });

  it('hands output over as its head and the batches themselves, for the target to seal into its frame', () => {
    const payloads: (Uint8Array | readonly Uint8Array[])[] = [];
    const target: StreamTarget = { doc: 'a' as DocId, sendStream: (payload) => (payloads.push(payload), true) };
    const w = world({ perSecond: 10, burst: 1 });
    const batches = [out(0), out(1), out(2)];
    for (const m of batches) w.pacer.send(target, m);
    w.advance(1000);
    const [single, run] = payloads;
    // A lone batch, then a merged run: neither copied into a joined array.
    if (!Array.isArray(single) || !Array.isArray(run)) throw new Error('output was joined before sealing');
    const bytesOf = (m: TermMessage): Uint8Array => (m as Extract<TermMessage, { t: typeof TermTag.Output }>).bytes;
    expect(single.slice(1)).toHaveLength(1);
    expect(single[1]).toBe(bytesOf(batches[0]!));
    expect(run.slice(1).every((p, i) => p === bytesOf(batches[i + 1]!))).toBe(true);
    expect(decodeTerm(Buffer.concat(run))).toMatchObject({ t: TermTag.OutputRun, seq: 1, count: 2 });
  });

  it('sends at once within the burst, then holds to the rate, in order', () => {
    const w = world({ perSecond: 100, burst: 3 });
    const a = w.target('a');
    w.pacer.send(a, { t: TermTag.Size, cols: 80, rows: 24, atSeq: 0 });
    w.pacer.send(a, { t: TermTag.Live, seq: 0 });
    w.pacer.send(a, { t: TermTag.Ended, exitCode: 0 });
    w.pacer.send(a, { t: TermTag.Live, seq: 1 });
    expect(w.sent.map((s) => s.m.t)).toEqual([TermTag.Size, TermTag.Live, TermTag.Ended]);
    w.advance(5);
    expect(w.sent).toHaveLength(3);
    w.advance(5);
    expect(w.sent.map((s) => s.m.t)).toEqual([TermTag.Size, TermTag.Live, TermTag.Ended, TermTag.Live]);
  });

  it('merges waiting output batches of one session and audience into runs, bytes and order kept', () => {
    const w = world({ perSecond: 10, burst: 1, maxRunBytes: 45 });
    const a = w.target('a');
    const b = w.target('b');
    for (let seq = 0; seq < 6; seq++) w.pacer.send(a, out(seq));
    w.pacer.send(b, out(0));
    w.pacer.send(a, out(6));
    w.pacer.send(a, out(7), 'device-x' as never);
    for (let i = 0; i < 10; i++) w.advance(100);
    const shape = w.sent.map(({ doc, to, m }) => [doc, to, m.t, 'seq' in m ? m.seq : -1, m.t === TermTag.OutputRun ? m.count : 1]);
    expect(shape).toEqual([
      ['a', '', TermTag.Output, 0, 1],
      ['a', '', TermTag.OutputRun, 1, 4],
      ['a', '', TermTag.Output, 5, 1],
      ['b', '', TermTag.Output, 0, 1],
      ['a', '', TermTag.Output, 6, 1],
      ['a', 'device-x', TermTag.Output, 7, 1],
    ]);
    const run = w.sent[1]!.m as Extract<TermMessage, { t: typeof TermTag.OutputRun }>;
    expect(run.offset).toBe(10);
    expect([...run.bytes]).toEqual([...Array(10).fill(1), ...Array(10).fill(2), ...Array(10).fill(3), ...Array(10).fill(4)]);
  });

  it('drops the oldest broadcast output past the queue bound, never addressed answers', () => {
    const w = world({ perSecond: 1, burst: 1, maxQueuedBytes: 25 });
    const a = w.target('a');
    w.pacer.send(a, { t: TermTag.Live, seq: 0 });
    w.pacer.send(a, out(0), 'device-x' as never);
    for (let seq = 0; seq < 4; seq++) w.pacer.send(a, out(seq));
    // 10 addressed + 4 x 10 broadcast against a bound of 25: the three oldest broadcast batches go.
    expect(w.dropped).toEqual([10, 10, 10]);
    expect(w.pacer.waiting).toBe(2);
  });
});
