import { describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import { decodeTerm, encodeOutput, encodeTerm, outputParts, TermTag, type TermMessage } from './term-messages.ts';

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

const SAMPLES: TermMessage[] = [
  { t: TermTag.Output, seq: 7, offset: 123_456, bytes: bytes(40) },
  { t: TermTag.Input, counter: 1_700_000_000_000_000, data: bytes(3), signature: bytes(64, 2) },
  { t: TermTag.Join, fromSeq: 12, fresh: true },
  { t: TermTag.Snapshot, snapshot: bytes(100) },
  { t: TermTag.Viewport, cols: 120, rows: 40 },
  { t: TermTag.Size, cols: 80, rows: 24, atSeq: 99 },
  { t: TermTag.Ended, exitCode: -1 },
  { t: TermTag.Live, seq: 42 },
  { t: TermTag.FileOffer, id: 2 ** 31 - 1, request: bytes(150) },
  { t: TermTag.FileAccept, id: 5, size: 20 * 1024 * 1024 },
  { t: TermTag.FileChunk, id: 5, index: 319, bytes: bytes(65_536) },
  { t: TermTag.FileAck, id: 5, next: 320 },
  { t: TermTag.FileDone, id: 5, ok: true, message: '', size: 3, sha256: bytes(32), signature: bytes(64) },
  { t: TermTag.FileDone, id: 6, ok: false, message: 'E_PATH_OUTSIDE: no', size: 0, sha256: new Uint8Array(0), signature: new Uint8Array(0) },
  { t: TermTag.FileCancel, id: 5, reason: 'cancelled' },
  { t: TermTag.OutputRun, seq: 9, count: 12, offset: 4096, bytes: bytes(200_000) },
  { t: TermTag.InputState, counter: 0 },
  { t: TermTag.InputState, counter: 1_700_000_000_000_123 },
  { t: TermTag.InputRefused, counter: 41, reason: 'replay', last: 1_700_000_000_000_123 },
];

describe('terminal stream messages', () => {
  it.each(SAMPLES.map((m) => [m.t, m] as const))('round-trip tag %i exactly', (_t, m) => {
    expect(decodeTerm(encodeTerm(m))).toEqual(m);
  });

  it('encode output from its parts as the same bytes as the plain varUint layout', () => {
    const parts = [bytes(3), bytes(70_000, 2), new Uint8Array(0), bytes(129, 3)];
    const joined = Uint8Array.from(parts.flatMap((p) => [...p]));
    const layout = (fields: number[]): Uint8Array => {
      const e = encoding.createEncoder();
      encoding.writeUint8(e, fields[0]!);
      for (const n of fields.slice(1)) encoding.writeVarUint(e, n);
      encoding.writeVarUint8Array(e, joined);
      return encoding.toUint8Array(e);
    };
    expect(encodeOutput({ seq: 2 ** 40, offset: 300 }, parts)).toEqual(layout([TermTag.Output, 2 ** 40, 300]));
    expect(encodeOutput({ seq: 5, count: 4, offset: 2 ** 33 }, parts)).toEqual(layout([TermTag.OutputRun, 5, 4, 2 ** 33]));
    expect(decodeTerm(encodeOutput({ seq: 5, count: 4, offset: 9 }, parts))).toEqual({ t: TermTag.OutputRun, seq: 5, count: 4, offset: 9, bytes: joined });
    // The same message as a head and the batches themselves (the pacer hands these to the seal).
    const split = outputParts({ seq: 5, count: 4, offset: 2 ** 33 }, parts);
    expect(split.slice(1).every((p, i) => p === parts[i])).toBe(true);
    expect(Uint8Array.from(split.flatMap((p) => [...p]))).toEqual(layout([TermTag.OutputRun, 5, 4, 2 ** 33]));
  });

  it('refuse unknown tags, truncation and trailing bytes', () => {
    for (const m of SAMPLES) {
      const enc = encodeTerm(m);
      expect(decodeTerm(enc.subarray(0, enc.length - 1))).toBeNull();
      expect(decodeTerm(Uint8Array.from([...enc, 0]))).toBeNull();
    }
    expect(decodeTerm(Uint8Array.of(200, 1, 2))).toBeNull();
    expect(decodeTerm(new Uint8Array(0))).toBeNull();
  });
});
