/**
 * Per-document author counters: replay and gap detection for envelopes.
 *
 * Updates carry a per (document, author) counter starting at 1 with no holes:
 * a counter at or below the last applied one is a replay, one above last+1
 * means an earlier update is missing. Snapshots count separately and only
 * need to increase (peers see only the snapshots the relay still keeps).
 * `check` never changes state; `commit` does, once the payload was applied,
 * so a failed apply leaves the tracker where it was.
 */
import { TendrilError } from '../errors.ts';
import { parseDeviceId, type DeviceId } from '../ids.ts';
import { EnvelopeKind } from './header.ts';

/** The read-only part `open()` needs. */
export interface CounterCheck {
  /** Throws `E_REPLAY` or `E_COUNTER_GAP`; changes nothing. */
  check(author: DeviceId, kind: EnvelopeKind, counter: number): void;
}

export interface CounterTracker extends CounterCheck {
  /** Last contiguous update counter applied for the author; 0 when none. */
  lastUpdate(author: DeviceId): number;
  /** Highest snapshot counter applied for the author; 0 when none. */
  lastSnapshot(author: DeviceId): number;
  /** Records an applied envelope; runs `check` first and throws as it does. */
  commit(author: DeviceId, kind: EnvelopeKind, counter: number): void;
  /** Raises update counters to what a loaded snapshot covers (never lowers them). */
  advanceTo(covered: ReadonlyMap<DeviceId, number>): void;
  /** A scratch copy for opening a batch: commits land in the copy only. */
  staged(): CounterTracker;
  toJSON(): CountersJSON;
}

export interface CountersJSON {
  readonly v: 1;
  readonly updates: ReadonlyArray<readonly [string, number]>;
  readonly snapshots: ReadonlyArray<readonly [string, number]>;
}

class MapCounterTracker implements CounterTracker {
  constructor(
    private readonly updates: Map<DeviceId, number>,
    private readonly snapshots: Map<DeviceId, number>,
  ) {}

  lastUpdate(author: DeviceId): number {
    return this.updates.get(author) ?? 0;
  }

  lastSnapshot(author: DeviceId): number {
    return this.snapshots.get(author) ?? 0;
  }

  check(author: DeviceId, kind: EnvelopeKind, counter: number): void {
    if (kind === EnvelopeKind.Snapshot) {
      const last = this.lastSnapshot(author);
      if (counter <= last) throw new TendrilError('E_REPLAY', `snapshot ${counter} of ${author} is not newer than ${last}`);
      return;
    }
    const last = this.lastUpdate(author);
    if (counter <= last) throw new TendrilError('E_REPLAY', `update ${counter} of ${author} was already applied (last ${last})`);
    if (counter > last + 1) throw new TendrilError('E_COUNTER_GAP', `update ${counter} of ${author} skips ahead of ${last}`);
  }

  commit(author: DeviceId, kind: EnvelopeKind, counter: number): void {
    this.check(author, kind, counter);
    (kind === EnvelopeKind.Snapshot ? this.snapshots : this.updates).set(author, counter);
  }

  advanceTo(covered: ReadonlyMap<DeviceId, number>): void {
    for (const [author, n] of covered) {
      if (!Number.isSafeInteger(n) || n < 0) throw new TendrilError('E_BAD_INPUT', `bad counter ${n} for ${author}`);
      if (n > this.lastUpdate(author)) this.updates.set(author, n);
    }
  }

  staged(): CounterTracker {
    return new MapCounterTracker(new Map(this.updates), new Map(this.snapshots));
  }

  toJSON(): CountersJSON {
    return { v: 1, updates: [...this.updates], snapshots: [...this.snapshots] };
  }
}

/** An empty tracker for a document nothing was applied to yet. */
export function createCounterTracker(): CounterTracker {
  return new MapCounterTracker(new Map(), new Map());
}

function entries(json: unknown, what: string): Map<DeviceId, number> {
  if (!Array.isArray(json)) throw new TendrilError('E_BAD_INPUT', `counters: ${what} missing`);
  const out = new Map<DeviceId, number>();
  for (const e of json as unknown[]) {
    if (!Array.isArray(e) || e.length !== 2 || !Number.isSafeInteger(e[1]) || (e[1] as number) < 0) {
      throw new TendrilError('E_BAD_INPUT', `counters: malformed ${what} entry`);
    }
    out.set(parseDeviceId(e[0]), e[1] as number);
  }
  return out;
}

/** Rebuilds a tracker saved with `toJSON()`; throws `E_BAD_INPUT` or `E_BAD_ID`. */
export function restoreCounterTracker(json: unknown): CounterTracker {
  const j = json as Partial<Record<keyof CountersJSON, unknown>> | null;
  if (typeof j !== 'object' || j === null || j.v !== 1) throw new TendrilError('E_BAD_INPUT', 'not saved counters');
  return new MapCounterTracker(entries(j.updates, 'updates'), entries(j.snapshots, 'snapshots'));
}
