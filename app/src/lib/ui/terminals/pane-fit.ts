/**
 * Sizing an xterm.js terminal in its pane. The terminal always has the
 * session's size (set from the gateway's Size messages); this module only
 * says how many cells the pane could show (@xterm/addon-fit's proposal, which
 * a writer reports to the gateway) and letterboxes the terminal in the pane:
 * centred, scaled down when the session is larger than the pane.
 */
import type { FitAddon } from '@xterm/addon-fit';
import type { Terminal } from '@xterm/xterm';
import { letterbox, sameGrid, type GridSize } from '../../terminals/letterbox.ts';

/** The width xterm keeps for its scroll bar beside the cells (as the fit addon counts it). */
const SCROLLBAR_PX = 14;

export interface PaneFitOptions {
  readonly term: Terminal;
  readonly fit: FitAddon;
  /** The element `term` was opened in; its size is set by the page layout, never by the terminal. */
  readonly pane: HTMLElement;
  /** The number of cells the pane could show changed. */
  readonly onProposal: (size: GridSize) => void;
}

export class PaneFit {
  private readonly o: PaneFitOptions;
  private readonly observer: ResizeObserver;
  private readonly resized: { dispose(): void };
  private proposal: GridSize | null = null;
  private frame = 0;

  constructor(o: PaneFitOptions) {
    this.o = o;
    this.observer = new ResizeObserver(() => this.measure());
    this.observer.observe(o.pane);
    this.resized = o.term.onResize(() => this.schedulePlace());
    this.measure();
  }

  /** How many cells the pane can show (null until xterm has measured its font). */
  get proposed(): GridSize | null {
    return this.proposal;
  }

  private measure(): void {
    const p = this.o.fit.proposeDimensions();
    if (p && Number.isFinite(p.cols) && Number.isFinite(p.rows) && !sameGrid(p, this.proposal)) {
      this.proposal = { cols: p.cols, rows: p.rows };
      this.o.onProposal(this.proposal);
    }
    this.place();
  }

  /** Measures and places again once xterm has drawn at its new size. */
  private schedulePlace(): void {
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => this.measure());
  }

  private place(): void {
    const el = this.o.term.element;
    const screen = el?.querySelector<HTMLElement>('.xterm-screen');
    if (!el || !screen) return;
    const scrollbar = this.o.term.options.scrollback === 0 ? 0 : SCROLLBAR_PX;
    const terminal = { width: screen.offsetWidth + scrollbar, height: screen.offsetHeight };
    const at = letterbox({ width: this.o.pane.clientWidth, height: this.o.pane.clientHeight }, terminal);
    el.style.width = `${terminal.width}px`;
    el.style.height = `${terminal.height}px`;
    el.style.left = `${at.left}px`;
    el.style.top = `${at.top}px`;
    el.style.transform = at.scale === 1 ? '' : `scale(${at.scale})`;
  }

  dispose(): void {
    cancelAnimationFrame(this.frame);
    this.observer.disconnect();
    this.resized.dispose();
  }
}
