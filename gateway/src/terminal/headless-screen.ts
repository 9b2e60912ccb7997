/**
 * A headless xterm.js screen: the one place that drives `@xterm/headless` and
 * `@xterm/addon-serialize`. The mirror worker keeps one per session; tests and
 * benchmarks use another to play a viewer restoring a snapshot.
 */
import headless from '@xterm/headless';
import serialize from '@xterm/addon-serialize';
import type { TerminalSize } from './deps.ts';

const { Terminal } = headless;
const { SerializeAddon } = serialize;

export interface HeadlessScreenOptions extends TerminalSize {
  /** Lines of scrollback the screen keeps (default 1,000). */
  readonly scrollback?: number;
}

export class HeadlessScreen {
  private readonly term: InstanceType<typeof Terminal>;
  private readonly serializer = new SerializeAddon();

  constructor(options: HeadlessScreenOptions) {
    this.term = new Terminal({
      cols: options.cols,
      rows: options.rows,
      scrollback: options.scrollback ?? 1000,
      allowProposedApi: true,
    });
    this.term.loadAddon(this.serializer);
  }

  get size(): TerminalSize {
    return { cols: this.term.cols, rows: this.term.rows };
  }

  /** Queues bytes (or text) for parsing; resolves once they are parsed. */
  write(data: Uint8Array | string): Promise<void> {
    return new Promise((resolve) => this.term.write(data, resolve));
  }

  /** Queues bytes and calls `parsed` once they are parsed, keeping the write order. */
  writeThen(data: Uint8Array | string, parsed: () => void): void {
    this.term.write(data, parsed);
  }

  /** A full reset (RIS): blank screen, no scrollback, default modes; the size stays. */
  reset(): void {
    this.term.reset();
  }

  resize(size: TerminalSize): void {
    this.term.resize(size.cols, size.rows);
  }

  /** Escape-sequence text that rebuilds the screen, modes and up to `scrollback` lines. */
  serialize(scrollback: number): string {
    return this.serializer.serialize({ scrollback });
  }

  /** The visible screen as plain text, one line per row, trailing blanks trimmed. */
  screenText(): string {
    const buffer = this.term.buffer.active;
    const lines: string[] = [];
    for (let row = 0; row < this.term.rows; row++) {
      lines.push(buffer.getLine(buffer.viewportY + row)?.translateToString(true) ?? '');
    }
    return lines.join('\n').replace(/\n+$/, '');
  }

  /**
   * True when plain text can only scroll the whole screen: the normal buffer
   * is active and the scroll region is the full screen. Reads xterm's private
   * scroll region; if that ever changes shape, this answers false (safe).
   */
  get scrollsWholeScreen(): boolean {
    const core = (this.term as unknown as { _core?: { buffer?: { scrollTop?: unknown; scrollBottom?: unknown } } })._core;
    const top = core?.buffer?.scrollTop;
    const bottom = core?.buffer?.scrollBottom;
    return this.term.buffer.active.type === 'normal' && top === 0 && bottom === this.term.rows - 1;
  }

  /** Lines of scrollback the screen keeps at most. */
  get scrollbackLimit(): number {
    return this.term.options.scrollback ?? 1000;
  }

  /** Scrollback lines above the visible screen. */
  get scrollbackLines(): number {
    return this.term.buffer.active.baseY;
  }

  dispose(): void {
    this.term.dispose();
  }
}
