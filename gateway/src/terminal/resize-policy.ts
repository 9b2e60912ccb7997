/**
 * Which size the shared terminal has: that of the writer who was active most
 * recently (tmux's `window-size latest`). Every device reports its own window
 * size; viewers and less recent writers letterbox the terminal locally. A
 * writer is active when it types (the session calls `activity` for accepted
 * input) or when the sync layer says it took focus. Changes are debounced so
 * a window being dragged, or two writers typing in turn, do not make the
 * shell redraw on every event.
 */
import type { DeviceId } from '@tendril/crdt-schema/ids';
import { isGridSize, systemTimers, type TerminalSize, type TimerHandle, type Timers } from './deps.ts';
import { Emitter } from './emitter.ts';

export interface SizeChange extends TerminalSize {
  /** The writer whose window the terminal now follows. */
  readonly by: DeviceId | null;
}

export interface ResizePolicyOptions {
  readonly initial: TerminalSize;
  readonly isWriter: (device: DeviceId) => boolean;
  /** Quiet time before a change is applied (default 75 ms). */
  readonly debounceMs?: number;
  readonly timers?: Timers;
}

export class ResizePolicy extends Emitter<{ resize: SizeChange }> {
  private readonly viewports = new Map<DeviceId, TerminalSize>();
  /** Writers by recency: the last entry is the most recently active. */
  private readonly recency: DeviceId[] = [];
  private applied: SizeChange;
  private timer: TimerHandle | undefined;
  private readonly timers: Timers;

  constructor(private readonly o: ResizePolicyOptions) {
    super();
    this.timers = o.timers ?? systemTimers;
    this.applied = { ...o.initial, by: null };
  }

  /** The size in force. */
  get size(): SizeChange {
    return this.applied;
  }

  /** A device's window can show `size` cells (ignored when not a grid size). */
  viewport(device: DeviceId, size: TerminalSize): void {
    if (!isGridSize(size)) return;
    this.viewports.set(device, { cols: size.cols, rows: size.rows });
    this.schedule();
  }

  /** A writer typed or took focus: the terminal follows its window. */
  activity(device: DeviceId): void {
    if (!this.o.isWriter(device)) return;
    const at = this.recency.indexOf(device);
    if (at === this.recency.length - 1 && at >= 0) return;
    if (at >= 0) this.recency.splice(at, 1);
    this.recency.push(device);
    this.schedule();
  }

  /** The device left or lost write access. */
  forget(device: DeviceId): void {
    this.viewports.delete(device);
    const at = this.recency.indexOf(device);
    if (at >= 0) this.recency.splice(at, 1);
    this.schedule();
  }

  /** Stops a pending change. */
  dispose(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The size the policy wants now (may differ from `size` until the debounce ends). */
  wanted(): SizeChange {
    for (let i = this.recency.length - 1; i >= 0; i--) {
      const device = this.recency[i]!;
      const v = this.viewports.get(device);
      if (v !== undefined && this.o.isWriter(device)) return { ...v, by: device };
    }
    return this.applied;
  }

  private schedule(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      const next = this.wanted();
      if (next.cols === this.applied.cols && next.rows === this.applied.rows) return;
      this.applied = next;
      this.emit('resize', next);
    }, this.o.debounceMs ?? 75);
  }
}
