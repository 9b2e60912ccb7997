/**
 * Where a terminal of a fixed size sits in a pane of another size: the session
 * runs at the size of its most recently active writer, and every other viewer
 * shows it as is, centred, or scaled down until it fits (never up), instead of
 * reflowing it to its own window.
 */

export interface Box {
  readonly width: number;
  readonly height: number;
}

export interface Placement {
  /** 1 when the terminal fits; below 1 when it is shrunk to fit. */
  readonly scale: number;
  /** Offset of the (scaled) terminal's top-left corner inside the pane, in CSS pixels. */
  readonly left: number;
  readonly top: number;
}

const AS_IS: Placement = { scale: 1, left: 0, top: 0 };

export function letterbox(pane: Box, terminal: Box): Placement {
  if (!(terminal.width > 0 && terminal.height > 0 && pane.width > 0 && pane.height > 0)) return AS_IS;
  const scale = Math.min(1, pane.width / terminal.width, pane.height / terminal.height);
  return {
    scale,
    left: Math.max(0, Math.floor((pane.width - terminal.width * scale) / 2)),
    top: Math.max(0, Math.floor((pane.height - terminal.height * scale) / 2)),
  };
}

export interface GridSize {
  readonly cols: number;
  readonly rows: number;
}

export function sameGrid(a: GridSize | null | undefined, b: GridSize | null | undefined): boolean {
  return a != null && b != null && a.cols === b.cols && a.rows === b.rows;
}

/** "120×40", as shown beside the terminal. */
export function gridLabel(size: GridSize): string {
  return `${size.cols}×${size.rows}`;
}
