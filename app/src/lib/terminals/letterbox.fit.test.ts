import { describe, expect, it } from 'vitest';
import { gridLabel, letterbox, sameGrid } from './letterbox.ts';

describe('letterbox', () => {
  it('centres a terminal smaller than the pane at full size', () => {
    expect(letterbox({ width: 1000, height: 600 }, { width: 800, height: 400 })).toEqual({ scale: 1, left: 100, top: 100 });
  });
  it('shrinks a terminal wider than the pane to the pane width and centres it vertically', () => {
    const p = letterbox({ width: 500, height: 600 }, { width: 1000, height: 400 });
    expect(p.scale).toBe(0.5);
    expect(p).toEqual({ scale: 0.5, left: 0, top: 200 });
  });
  it('shrinks by the tighter side when both are too big', () => {
    const p = letterbox({ width: 600, height: 300 }, { width: 800, height: 600 });
    expect(p.scale).toBe(0.5);
    expect(p.left).toBe(100);
    expect(p.top).toBe(0);
  });
  it('never scales up', () => {
    expect(letterbox({ width: 4000, height: 4000 }, { width: 100, height: 100 }).scale).toBe(1);
  });
  it('leaves the terminal as is while either side is not measured yet', () => {
    for (const [pane, term] of [
      [{ width: 0, height: 600 }, { width: 800, height: 400 }],
      [{ width: 1000, height: 600 }, { width: 0, height: 0 }],
      [{ width: Number.NaN, height: 600 }, { width: 800, height: 400 }],
    ] as const) expect(letterbox(pane, term)).toEqual({ scale: 1, left: 0, top: 0 });
  });
});

describe('grid sizes', () => {
  it('compares and labels them', () => {
    expect(sameGrid({ cols: 80, rows: 24 }, { cols: 80, rows: 24 })).toBe(true);
    expect(sameGrid({ cols: 80, rows: 24 }, { cols: 80, rows: 25 })).toBe(false);
    expect(sameGrid(null, { cols: 80, rows: 24 })).toBe(false);
    expect(gridLabel({ cols: 120, rows: 40 })).toBe('120×40');
  });
});
