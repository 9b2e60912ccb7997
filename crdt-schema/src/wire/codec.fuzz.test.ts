/**
 * Malformed-input fuzzing of decodeFrame, seeded and replayable. Over 100,000
 * inputs: random bytes, every truncation of valid frames, single-byte
 * mutations, absurd length prefixes spliced in at every offset, and long
 * garbage. Each decode must either return a frame that re-encodes to exactly
 * the input (one encoding per frame), or throw a TendrilError with a frame
 * error code; any other exception, or a crash, fails the test.
 */
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { TendrilError } from '../errors.ts';
import { createPrng, testSeed } from '../testkit/prng.ts';
import type { Prng } from '../testkit/prng.ts';
import { arbitraryFrame } from './arbitrary.ts';
import { decodeFrame, encodeFrame } from './codec.ts';
import { FrameType } from './frames.ts';

const seed = testSeed('crdt-schema/src/wire/codec.fuzz.test.ts');
const FRAME_CODES = new Set(['E_FRAME_MALFORMED', 'E_FRAME_TOO_LARGE', 'E_FRAME_UNKNOWN']);
const MAX_BYTES = 64 * 1024;

type Outcome = 'ok' | 'E_FRAME_MALFORMED' | 'E_FRAME_TOO_LARGE' | 'E_FRAME_UNKNOWN';
const hex = (b: Uint8Array): string => Buffer.from(b.subarray(0, 96)).toString('hex') + (b.length > 96 ? '...' : '');

/** Decodes one input and enforces the contract; returns the outcome for the tallies. */
function probe(input: Uint8Array, label: string): Outcome {
  let frame;
  try {
    frame = decodeFrame(input, { maxBytes: MAX_BYTES });
  } catch (err) {
    if (!(err instanceof TendrilError) || !FRAME_CODES.has(err.code) || err.message.includes('unexpectedly')) {
      throw new Error(`${label}: decode threw ${String(err)} for ${hex(input)} (seed ${seed})`, { cause: err });
    }
    return err.code as Outcome;
  }
  const again = encodeFrame(frame);
  if (Buffer.compare(again, input) !== 0) {
    throw new Error(`${label}: accepted a non-canonical encoding ${hex(input)} (seed ${seed})`);
  }
  return 'ok';
}

function varUint(n: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, n);
  return encoding.toUint8Array(e);
}

const splice = (bytes: Uint8Array, at: number, drop: number, insert: Uint8Array): Uint8Array =>
  Uint8Array.from([...bytes.subarray(0, at), ...insert, ...bytes.subarray(at + drop)]);

/** Lengths no honest frame carries: 2^50, the largest safe integer, past 53 bits, 9 continuation bytes. */
const ABSURD = [
  varUint(2 ** 50),
  varUint(Number.MAX_SAFE_INTEGER),
  varUint(2 ** 32),
  Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]),
  Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]),
];

/** A byte value near the original or at a varUint/flag boundary, where decoders tend to break. */
function nearby(p: Prng, b: number): number {
  return p.pick([b + 1, b - 1, b ^ 0x80, 0, 1, 2, 0x7f, 0x80, 0xff]) & 0xff;
}

function garbage(p: Prng): Uint8Array {
  const n = p.int(1, 4096);
  switch (p.int(0, 3)) {
    case 0: return p.bytes(n);
    case 1: return new Uint8Array(n).fill(p.pick([0x80, 0xff, 0x01, 0x00]));
    case 2: {
      const out = p.bytes(n);
      out[0] = p.int(1, 19);
      return out;
    }
    default: {
      const a = encodeFrame(arbitraryFrame(p, undefined, { maxBytes: 32 }));
      return Uint8Array.from([...a, ...p.bytes(p.int(1, 64))]);
    }
  }
}

describe('decodeFrame on hostile input', () => {
  it('returns a canonical frame or throws a frame TendrilError for 100,000+ inputs', () => {
    const p = createPrng(seed);
    const tally = new Map<string, number>();
    const count = (kind: string, o: Outcome): void => {
      const key = `${kind} ${o}`;
      tally.set(key, (tally.get(key) ?? 0) + 1);
    };
    const corpus = Object.values(FrameType).flatMap((type) =>
      Array.from({ length: 20 }, () => encodeFrame(arbitraryFrame(p, type, { maxBytes: 48 }))),
    );

    for (const bytes of corpus) {
      for (let cut = 0; cut < bytes.length; cut++) {
        const o = probe(bytes.subarray(0, cut), 'truncation');
        if (o !== 'E_FRAME_MALFORMED') throw new Error(`truncation at ${cut} of ${hex(bytes)} gave ${o}`);
        count('truncation', o);
      }
      for (let at = 0; at < bytes.length; at++) {
        for (const value of [p.int(0, 255), nearby(p, bytes[at]!)]) {
          if (value === bytes[at]) continue;
          const mutated = Uint8Array.from(bytes);
          mutated[at] = value;
          count('mutation', probe(mutated, 'mutation'));
        }
        count('absurd-length', probe(splice(bytes, at, p.int(0, 1), p.pick(ABSURD)), 'absurd-length'));
      }
      count('trailing', probe(Uint8Array.from([...bytes, p.int(0, 255)]), 'trailing'));
    }
    for (let i = 0; i < 30_000; i++) {
      const random = p.bytes(p.int(0, 40));
      if (random.length > 0 && p.bool()) random[0] = p.int(1, 19);
      count('random', probe(random, 'random'));
    }
    for (let i = 0; i < 3_000; i++) count('garbage', probe(garbage(p), 'garbage'));
    count('oversize', probe(new Uint8Array(MAX_BYTES + 1), 'oversize'));

    const total = [...tally.values()].reduce((a, b) => a + b, 0);
    console.log(`fuzzed ${total} inputs:`, Object.fromEntries([...tally].sort()));
    expect(total).toBeGreaterThanOrEqual(100_000);
    // The corpus must reach both sides of the contract, or the test proves nothing.
    expect(tally.get('mutation ok')).toBeGreaterThan(0);
    expect(tally.get('mutation E_FRAME_MALFORMED')).toBeGreaterThan(0);
    expect(tally.get('random E_FRAME_UNKNOWN')).toBeGreaterThan(0);
    expect(tally.get('trailing E_FRAME_MALFORMED')).toBe(corpus.length);
    expect(tally.get('oversize E_FRAME_TOO_LARGE')).toBe(1);
  }, 30_000);
});
