/**
 * The codec's one-copy paths give exactly encodeFrame's bytes: frames in parts (large byte fields by
 * reference), a Stream frame with room for a payload sealed into it, and decoding with views.
 */
import { describe, expect, it } from 'vitest';
import { createPrng, testSeed } from '../testkit/prng.ts';
import { arbitraryDeviceId, arbitraryDocId, arbitraryFrame } from './arbitrary.ts';
import { decodeFrame, encodeFrame, encodeFrameParts, streamFrameWithRoom } from './codec.ts';
import { FrameType, type StreamFrame } from './frames.ts';

const seed = testSeed('crdt-schema/src/wire/codec.parts.test.ts');
const join = (parts: readonly Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

describe('frames in parts', () => {
  for (const [name, type] of Object.entries(FrameType)) {
    it(`${name}: the parts join to encodeFrame's bytes, byte fields past 1 KiB included, and decode back`, () => {
      const prng = createPrng(seed + type);
      for (let i = 0; i < 60; i++) {
        const frame = arbitraryFrame(prng, type, { maxBytes: 6000 });
        const bytes = encodeFrame(frame);
        expect(join(encodeFrameParts(frame)), `iteration ${i}`).toStrictEqual(bytes);
        expect(decodeFrame(bytes, { maxBytes: 1 << 20 }), `iteration ${i}`).toStrictEqual(frame);
      }
    });
  }

  it('hands a large payload over as the frame’s own array, and a small one copied', () => {
    const prng = createPrng(seed ^ 1);
    const frame = (payload: Uint8Array): StreamFrame => ({ type: FrameType.Stream, doc: arbitraryDocId(prng), from: arbitraryDeviceId(prng), to: '', payload });
    const large = prng.bytes(64 * 1024);
    expect(encodeFrameParts(frame(large)).some((p) => p === large)).toBe(true);
    const small = prng.bytes(100);
    expect(encodeFrameParts(frame(small)).some((p) => p === small)).toBe(false);
  });
});

describe('a Stream frame with room for its payload', () => {
  it('is encodeFrame’s frame once the payload is written at payloadAt, for every length class and both kinds of `to`', () => {
    const prng = createPrng(seed ^ 2);
    for (const length of [0, 1, 127, 128, 16_383, 16_384, 70_000, 258_000]) {
      for (const to of ['', arbitraryDeviceId(prng)] as const) {
        const f: StreamFrame = { type: FrameType.Stream, doc: arbitraryDocId(prng), from: arbitraryDeviceId(prng), to, payload: prng.bytes(length) };
        const room = streamFrameWithRoom({ doc: f.doc, from: f.from, to: f.to }, length);
        expect(room.bytes.length - room.payloadAt).toBe(length);
        room.bytes.set(f.payload, room.payloadAt);
        expect(room.bytes).toStrictEqual(encodeFrame(f));
      }
    }
  });

  it('refuses what encodeFrame refuses, and a length that is not a count of bytes', () => {
    const prng = createPrng(seed ^ 3);
    const head = { doc: arbitraryDocId(prng), from: arbitraryDeviceId(prng), to: '' as const };
    expect(() => streamFrameWithRoom({ ...head, to: 'not a device' as never }, 10)).toThrow(/Stream.to/);
    expect(() => streamFrameWithRoom({ ...head, doc: 'short' as never }, 10)).toThrow(/Stream.doc/);
    expect(() => streamFrameWithRoom(head, -1)).toThrow(/payload length/);
    expect(() => streamFrameWithRoom(head, 1.5)).toThrow(/payload length/);
  });
});

describe('decoding with views', () => {
  it('gives the same frame as a copying decode, its byte fields views of the input', () => {
    const prng = createPrng(seed ^ 4);
    for (let i = 0; i < 50; i++) {
      const frame = arbitraryFrame(prng, FrameType.Stream, { maxBytes: 5000 }) as StreamFrame;
      const bytes = encodeFrame(frame);
      const viewed = decodeFrame(bytes, { views: true }) as StreamFrame;
      expect(viewed).toStrictEqual(decodeFrame(bytes));
      expect(viewed.payload.buffer).toBe(bytes.buffer);
    }
  });

  it('copies from an input that is a slice of a larger buffer, so a kept field never holds more alive than its frame', () => {
    const prng = createPrng(seed ^ 6);
    const bytes = encodeFrame(arbitraryFrame(prng, FrameType.Stream, { maxBytes: 5000 }));
    const read = Buffer.alloc(64 * 1024);
    read.set(bytes, 100);
    const sliced = decodeFrame(read.subarray(100, 100 + bytes.length), { views: true }) as StreamFrame;
    expect(sliced).toStrictEqual(decodeFrame(bytes));
    expect(sliced.payload.buffer).not.toBe(read.buffer);
    expect(sliced.payload.buffer.byteLength).toBe(sliced.payload.length);
  });

  it('copies again after a decode with views, also after one that failed', () => {
    const prng = createPrng(seed ^ 5);
    const bytes = encodeFrame(arbitraryFrame(prng, FrameType.Stream, { maxBytes: 5000 }));
    expect(() => decodeFrame(bytes.slice(0, bytes.length - 1), { views: true })).toThrow();
    expect((decodeFrame(bytes) as StreamFrame).payload.buffer).not.toBe(bytes.buffer);
    decodeFrame(bytes, { views: true });
    expect((decodeFrame(bytes) as StreamFrame).payload.buffer).not.toBe(bytes.buffer);
  });
});
