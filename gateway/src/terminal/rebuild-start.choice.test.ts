/** Where a rebuilt mirror starts parsing: never inside an escape string, whole lines when it can. */
import { describe, expect, it } from 'vitest';
import { rebuildStart } from './rebuild-start.ts';

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

describe('rebuildStart', () => {
  it('parses everything when the window is the whole output', () => {
    expect(rebuildStart(bytes('a\nb\n'), 0, true, [])).toBe(0);
  });

  it('starts after the first line feed at ground following a clean batch start, skipping line feeds inside a string', () => {
    // The window opens inside an OSC payload (unknown state); a batch starts cleanly at offset 110.
    const text = 'AAAA\nBBBB\n\x07tail\r\nline 1\r\n';
    const window = bytes(`${'x'.repeat(10)}${text}`);
    const base = 100;
    const starts = [
      { offset: 90, clean: true }, // before the window: not usable
      { offset: 100, clean: false },
      { offset: 110, clean: true },
    ];
    // From 110 the bytes are text: 'AAAA\n' is at ground, so whole lines start after it.
    expect(rebuildStart(window, base, false, starts)).toBe(10 + 'AAAA\n'.length);
    // A clean start right before an OSC whose payload has line feeds: they are skipped.
    const osc = bytes(`\x1b]52;c;QUJD\nREVG\n\x07shown\r\nnext\r\n`);
    expect(rebuildStart(osc, 0, false, [{ offset: 0, clean: true }])).toBe('\x1b]52;c;QUJD\nREVG\n\x07shown\r\n'.length);
  });

  it('starts at the clean batch start itself when no line feed at ground follows it', () => {
    const window = bytes('zz\nab\x1b]2;t\ncd');
    expect(rebuildStart(window, 50, false, [{ offset: 53, clean: true }])).toBe(3);
  });

  it('falls back to the first line feed when no clean batch start is known in the window', () => {
    const window = bytes('payload\nmore\n');
    expect(rebuildStart(window, 0, false, [{ offset: 0, clean: false }])).toBe('payload\n'.length);
    expect(rebuildStart(window, 0, false, [])).toBe('payload\n'.length);
    expect(rebuildStart(bytes('no line feed'), 0, false, [])).toBe(0);
  });
});
