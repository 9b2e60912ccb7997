/**
 * The arithmetic of a virtualized list with variable heights: prefix sums of
 * item heights (measured, or estimated until measured) and the slice of items
 * that covers a scroll window. Pure, so a 5,000-message chat only ever
 * renders the few dozen messages on screen.
 */

export function prefixSums(ids: readonly string[], heights: ReadonlyMap<string, number>, estimate: number): Float64Array {
  const out = new Float64Array(ids.length + 1);
  for (let i = 0; i < ids.length; i++) out[i + 1] = out[i]! + (heights.get(ids[i]!) ?? estimate);
  return out;
}

/** The index of the item at offset `y` (the last i with offsets[i] <= y). */
export function indexAt(offsets: Float64Array, y: number): number {
  let lo = 0;
  let hi = offsets.length - 2;
  if (hi < 0) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[mid]! <= y) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Items [start, end) to render for the viewport [top, top + height], with `overscan` pixels either side. */
export function windowOf(offsets: Float64Array, top: number, height: number, overscan: number): { start: number; end: number } {
  const n = offsets.length - 1;
  if (n <= 0) return { start: 0, end: 0 };
  const start = indexAt(offsets, Math.max(0, top - overscan));
  const end = Math.min(n, indexAt(offsets, top + height + overscan) + 1);
  return { start, end };
}
