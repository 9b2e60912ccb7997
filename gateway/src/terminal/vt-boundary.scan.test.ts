/** Clean boundaries: outside escape sequences, strings and UTF-8 characters. */
import { describe, expect, it } from 'vitest';
import { BoundaryScanner } from './vt-boundary.ts';

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
function after(...parts: string[]): boolean {
  const s = new BoundaryScanner();
  for (const p of parts) s.feed(bytes(p));
  return s.atBoundary;
}

describe('the boundary scanner', () => {
  it('is at a boundary after plain text and complete sequences', () => {
    expect(after('hello\r\n')).toBe(true);
    expect(after('\x1b[31mred\x1b[0m')).toBe(true);
    expect(after('\x1b]0;title\x07')).toBe(true);
    expect(after('\x1b]8;;http://x\x1b\\link')).toBe(true);
    expect(after('\x1bP1$r0m\x1b\\')).toBe(true);
    expect(after('\x1b(B')).toBe(true);
    expect(after('\x1b7\x1b8')).toBe(true);
  });

  it('is inside a sequence split across feeds', () => {
    expect(after('\x1b')).toBe(false);
    expect(after('\x1b[')).toBe(false);
    expect(after('\x1b[38;5;')).toBe(false);
    expect(after('\x1b[38;5;', '196m')).toBe(true);
    expect(after('\x1b]0;tit')).toBe(false);
    expect(after('\x1b]0;tit', 'le\x1b')).toBe(false);
    expect(after('\x1b]0;tit', 'le\x1b', '\\')).toBe(true);
    expect(after('\x1bP')).toBe(false);
    expect(after('\x1b(')).toBe(false);
  });

  it('treats C0 controls inside a CSI as part of it, and CAN/SUB as aborting it', () => {
    expect(after('\x1b[1\r')).toBe(false);
    expect(after('\x1b[1\x18')).toBe(true);
    expect(after('\x1b]0;x\x1a')).toBe(true);
  });

  it('starts a new sequence on ESC inside a string that is not ST', () => {
    expect(after('\x1b]0;x\x1b[')).toBe(false);
    expect(after('\x1b]0;x\x1b[', 'm')).toBe(true);
  });

  it('is inside a UTF-8 character split across feeds', () => {
    const euro = Buffer.from('€', 'utf8'); // 3 bytes
    const s = new BoundaryScanner();
    s.feed(euro.subarray(0, 1));
    expect(s.atBoundary).toBe(false);
    s.feed(euro.subarray(1, 2));
    expect(s.atBoundary).toBe(false);
    s.feed(euro.subarray(2));
    expect(s.atBoundary).toBe(true);
    const emoji = Buffer.from('😀', 'utf8'); // 4 bytes
    s.feed(emoji.subarray(0, 3));
    expect(s.atBoundary).toBe(false);
    s.feed(emoji.subarray(3));
    expect(s.atBoundary).toBe(true);
  });
});
