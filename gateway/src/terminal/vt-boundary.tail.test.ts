/** The tail: bytes since the last clean boundary, across feeds. */
import { createPrng, testSeed } from '@tendril/crdt-schema/testkit';
import { describe, expect, it } from 'vitest';
import { BoundaryScanner } from './vt-boundary.ts';

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const str = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

describe('the boundary tail', () => {
  it('is empty at a boundary', () => {
    const s = new BoundaryScanner();
    s.feed(bytes('abc\x1b[0m'));
    expect([str(s.tail), s.tailBytes]).toEqual(['', 0]);
  });

  it('holds the unfinished sequence from its ESC on', () => {
    const s = new BoundaryScanner();
    s.feed(bytes('text\x1b[38;5'));
    expect(str(s.tail)).toBe('\x1b[38;5');
    s.feed(bytes(';19'));
    expect(str(s.tail)).toBe('\x1b[38;5;19');
    expect(s.tailBytes).toBe(9);
    s.feed(bytes('6mX'));
    expect(str(s.tail)).toBe('');
  });

  it('restarts at the last clean point inside a feed', () => {
    const s = new BoundaryScanner();
    s.feed(bytes('\x1b]0;a'));
    s.feed(bytes('\x07done\x1b'));
    expect(str(s.tail)).toBe('\x1b');
  });

  it('holds the lead bytes of a split UTF-8 character', () => {
    const s = new BoundaryScanner();
    const euro = Buffer.from('a€', 'utf8');
    s.feed(euro.subarray(0, 3));
    expect([...s.tail]).toEqual([...euro.subarray(1, 3)]);
  });

  it('keeps its own copy of the bytes', () => {
    const s = new BoundaryScanner();
    const b = bytes('\x1b[3');
    s.feed(b);
    b.fill(0);
    expect(str(s.tail)).toBe('\x1b[3');
  });

  it('gives the same answers whether bytes come in large chunks or one at a time', () => {
    const prng = createPrng(testSeed('gateway/src/terminal/vt-boundary.tail.test.ts'));
    const pieces = ['plain text ', '\x1b[1;31m', '\x1b]0;title\x07', '\x1bP1$r0m\x1b\\', 'é', '€', '😀', '\x1b(0', '\r\n', '\x18', '\x1b', '\x9b', 'abcdefgh'];
    for (let round = 0; round < 300; round++) {
      const parts: Uint8Array[] = [];
      for (let k = prng.int(1, 30); k > 0; k--) parts.push(new Uint8Array(Buffer.from(prng.pick(pieces), 'utf8')));
      const all = new Uint8Array(Buffer.concat(parts));
      const cut = prng.int(0, all.length);
      const chunked = new BoundaryScanner();
      chunked.feed(all.subarray(0, cut));
      chunked.feed(all.subarray(cut));
      const single = new BoundaryScanner();
      for (const b of all) single.feed(new Uint8Array([b]));
      expect([chunked.atBoundary, [...chunked.tail]]).toEqual([single.atBoundary, [...single.tail]]);
    }
  });
});
