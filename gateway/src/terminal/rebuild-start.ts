/**
 * Where a rebuilt mirror starts parsing the recent output it is handed. The
 * output before it is gone, so the parser's state there is unknown: starting
 * at the first line feed (the old rule) is wrong when that line feed lies
 * inside an escape string (an OSC, DCS or APC payload with line feeds, such
 * as image data), and the rest of the string would be drawn as text that was
 * never on screen. The mirror thread knows where it stood at the start of
 * each batch it was fed (vt-boundary.ts), so the rebuild starts from the
 * first batch start in the window that was a clean boundary, at the first
 * line feed after it that leaves the parser at ground (whole lines), or at
 * that batch start itself. Only when no clean batch start falls in the
 * window does the old rule apply.
 */
import { BoundaryScanner } from './vt-boundary.ts';

const LF = 0x0a;

/** A batch start the mirror thread saw: its stream offset, and whether the stream stood at a clean boundary there. */
export interface BatchStart {
  readonly offset: number;
  readonly clean: boolean;
}

/**
 * The index in `bytes` (the output from stream offset `base` on) to start parsing from; 0 when the
 * window is the whole output (`exact`).
 */
export function rebuildStart(bytes: Uint8Array, base: number, exact: boolean, starts: readonly BatchStart[]): number {
  if (exact) return 0;
  const clean = starts.find((s) => s.clean && s.offset >= base && s.offset < base + bytes.length);
  if (clean === undefined) {
    const lf = bytes.indexOf(LF);
    return lf >= 0 && lf < bytes.length - 1 ? lf + 1 : 0;
  }
  const from = clean.offset - base;
  const scanner = new BoundaryScanner();
  for (let at = from; ; ) {
    const lf = bytes.indexOf(LF, at);
    if (lf < 0 || lf === bytes.length - 1) return from;
    scanner.feed(bytes.subarray(at, lf + 1));
    if (scanner.atBoundary) return lf + 1;
    at = lf + 1;
  }
}
