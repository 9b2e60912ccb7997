/**
 * A seeded, lossy in-memory transport. Every message goes to every other
 * peer as its own copy, and each copy may be dropped, duplicated, held back
 * (reordered) or corrupted. Dropped and corrupted copies are sent again in a
 * later round, as an outbox retries until the receiver acknowledges, so every
 * message is eventually delivered at least once.
 */
import { checksumCodec, type Codec } from './codec.ts';
import type { Prng } from './prng.ts';

/** Probabilities per delivery attempt, in [0, 1). */
export interface Faults {
  readonly drop: number;
  readonly duplicate: number;
  readonly reorder: number;
  readonly corrupt: number;
  /** Rounds a held-back, dropped or duplicated copy waits at most. */
  readonly maxDelay: number;
}

export const NO_FAULTS: Faults = { drop: 0, duplicate: 0, reorder: 0, corrupt: 0, maxDelay: 3 };

export interface TransportStats {
  /** Copies handed to the transport (one per recipient). */
  sent: number;
  /** Copies the receiver accepted, duplicates included. */
  delivered: number;
  dropped: number;
  duplicated: number;
  reordered: number;
  /** Copies damaged on the way. */
  corrupted: number;
  /** Damaged copies the codec refused (then resent). */
  corruptedDetected: number;
  /** Damaged copies the codec let through: a broken codec. */
  corruptedUndetected: number;
  /** Copies the codec recognised as replays of what the receiver already applied (dropped). */
  replaysDropped: number;
  /** Copies the codec held back because an earlier one of the same sender was missing (retried). */
  gapsHeld: number;
}

export type Deliver = (to: number, from: number, bytes: Uint8Array) => void;

interface Copy {
  readonly from: number;
  readonly to: number;
  readonly sealed: Uint8Array;
  readyAt: number;
}

export class FaultyTransport {
  readonly stats: TransportStats = {
    sent: 0, delivered: 0, dropped: 0, duplicated: 0, reordered: 0, corrupted: 0, corruptedDetected: 0, corruptedUndetected: 0,
    replaysDropped: 0, gapsHeld: 0,
  };
  private queue: Copy[] = [];
  private clock = 0;
  private readonly faults: Faults;
  private readonly codec: Codec;

  constructor(private readonly prng: Prng, private readonly peers: number, options: { faults?: Partial<Faults>; codec?: Codec } = {}) {
    this.faults = { ...NO_FAULTS, ...options.faults };
    this.codec = options.codec ?? checksumCodec();
  }

  /** Sends `bytes` from one peer to all others (or to `to`). */
  send(from: number, bytes: Uint8Array, to?: readonly number[]): void {
    const sealed = this.codec.seal(bytes, from);
    for (let peer = 0; peer < this.peers; peer++) {
      if (peer === from || (to !== undefined && !to.includes(peer))) continue;
      this.queue.push({ from, to: peer, sealed, readyAt: this.clock });
      this.stats.sent++;
    }
  }

  /** Copies not yet delivered (held, retried or in flight). */
  get pending(): number {
    return this.queue.length;
  }

  /** One delivery round: every copy that is due is attempted once. Returns how many were delivered. */
  round(deliver: Deliver): number {
    this.clock++;
    const due = this.queue.filter((c) => c.readyAt <= this.clock);
    this.queue = this.queue.filter((c) => c.readyAt > this.clock);
    if (this.faults.reorder > 0) this.prng.shuffle(due);
    let delivered = 0;
    for (const copy of due) if (this.attempt(copy, deliver)) delivered++;
    return delivered;
  }

  private later(copy: Copy, minDelay = 1): void {
    copy.readyAt = this.clock + this.prng.int(minDelay, Math.max(minDelay, this.faults.maxDelay));
    this.queue.push(copy);
  }

  private attempt(copy: Copy, deliver: Deliver): boolean {
    const f = this.faults;
    if (f.reorder > 0 && this.prng.bool(f.reorder)) {
      this.stats.reordered++;
      this.later(copy);
      return false;
    }
    if (f.drop > 0 && this.prng.bool(f.drop)) {
      this.stats.dropped++;
      this.later(copy);
      return false;
    }
    let wire = copy.sealed;
    const damaged = f.corrupt > 0 && this.prng.bool(f.corrupt);
    if (damaged) {
      wire = copy.sealed.slice();
      wire[this.prng.int(0, wire.length - 1)]! ^= this.prng.int(1, 255);
      this.stats.corrupted++;
    }
    let plain: Uint8Array | null;
    try {
      plain = this.codec.open(wire, copy.to);
    } catch (e) {
      if (!damaged && (e as { code?: string }).code === 'E_COUNTER_GAP') this.stats.gapsHeld++;
      else this.stats.corruptedDetected++;
      this.later(copy);
      return false;
    }
    if (damaged) this.stats.corruptedUndetected++;
    if (plain === null) {
      this.stats.replaysDropped++;
      return true;
    }
    deliver(copy.to, copy.from, plain);
    this.stats.delivered++;
    if (f.duplicate > 0 && this.prng.bool(f.duplicate)) {
      this.stats.duplicated++;
      this.later({ ...copy }, 0);
    }
    return true;
  }
}
