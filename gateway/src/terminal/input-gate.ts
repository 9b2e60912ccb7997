/**
 * Decides which input frames reach a session's shell. The rules, in order:
 *
 * 1. the frame must verify (the injected `verify` checks the signature and
 *    returns the signing device), else `unsigned`;
 * 2. it must name this session, else `wrong-session`;
 * 3. its counter must be a safe integer above the last one accepted from that
 *    device, else `replay` (gaps are allowed: frames may be dropped upstream);
 * 4. the device must not be revoked (`revoked`) and must be on the writer
 *    list (`not-writer`, a viewer); a frame holding nothing but automatic
 *    terminal replies (terminal-replies.ts) is dropped quietly as `auto-reply`
 *    instead, since every viewer's xterm.js sends those;
 * 5. a writer's frame that types anything makes that writer the reply owner
 *    and passes whole; a frame holding only automatic replies passes only from
 *    the reply owner (before anyone typed, the first writer heard from) and is
 *    dropped as `auto-reply` otherwise, so a program gets one answer per query
 *    however many browsers watch.
 *
 * Every drop is logged through `log` and counted; counters only advance for
 * frames that pass rules 1-3 from a writer. A counter is handed to `record`
 * before `check` lets its frame through, so a gateway that persists it (or a
 * mark above it, input-counters.ts) has it on record before the bytes reach
 * the shell; if recording fails the frame is dropped as `unrecorded` (a frame
 * typed but not recorded could be replayed after a restart).
 */
import type { DeviceId, SessionId } from '@tendril/crdt-schema/ids';
import { stripReplies } from './terminal-replies.ts';

export interface InputFrame {
  readonly session: SessionId;
  /** Per-device, strictly increasing. */
  readonly counter: number;
  readonly data: Uint8Array;
  /** The claimed author; only `verify`'s answer is trusted. */
  readonly device?: DeviceId;
  /** Opaque to the gate; checked by `verify`. */
  readonly signature?: Uint8Array;
}

/** Why a frame was dropped; `ended` is the session's own answer once the shell is gone. */
export type DropReason = 'unsigned' | 'wrong-session' | 'replay' | 'revoked' | 'not-writer' | 'auto-reply' | 'unrecorded' | 'ended';

export type InputDecision =
  /** `typed`: the frame holds more than automatic replies (a key press, a paste), so its writer is active. */
  | { readonly ok: true; readonly device: DeviceId; readonly data: Uint8Array; readonly typed: boolean }
  | { readonly ok: false; readonly reason: DropReason; readonly device: DeviceId | null };

export interface InputGateOptions {
  readonly session: SessionId;
  /** Checks the frame's signature; the signing device, or null. */
  readonly verify: (frame: InputFrame) => DeviceId | null;
  /** The devices currently allowed to type (owner included). */
  readonly writers: () => Iterable<DeviceId>;
  readonly isRevoked?: (device: DeviceId) => boolean;
  readonly log?: (drop: { reason: DropReason; device: DeviceId | null; counter: number; bytes: number }) => void;
  /** Counters carried over from an earlier run, so old frames stay rejected. */
  readonly counters?: ReadonlyMap<DeviceId, number>;
  /** Keeps an accepted counter (input-counters.ts); runs before the frame passes, and a throw drops it. */
  readonly record?: (device: DeviceId, counter: number) => void;
}

export class InputGate {
  private readonly last: Map<DeviceId, number>;
  private replyOwner: DeviceId | undefined;
  private readonly drops = new Map<DropReason, number>();

  constructor(private readonly o: InputGateOptions) {
    this.last = new Map(o.counters ?? []);
  }

  /** The last accepted counter per device, to persist across restarts. */
  counters(): ReadonlyMap<DeviceId, number> {
    return new Map(this.last);
  }
  /** The last counter accepted from `device` (0: none yet). */
  lastCounter(device: DeviceId): number {
    return Math.max(0, this.last.get(device) ?? 0);
  }
  /** Drops so far, by reason. */
  dropCounts(): ReadonlyMap<DropReason, number> {
    return new Map(this.drops);
  }
  /** The writer whose automatic replies pass. */
  get activeWriter(): DeviceId | undefined {
    return this.replyOwner;
  }

  check(frame: InputFrame): InputDecision {
    const device = this.o.verify(frame);
    if (device === null) return this.drop(frame, 'unsigned', null);
    if (frame.session !== this.o.session) return this.drop(frame, 'wrong-session', device);
    if (!Number.isSafeInteger(frame.counter) || frame.counter <= (this.last.get(device) ?? -1)) return this.drop(frame, 'replay', device);
    const { kept, replies } = stripReplies(frame.data);
    const revoked = this.o.isRevoked?.(device) === true;
    const writers = new Set(this.o.writers());
    if (revoked || !writers.has(device)) {
      const reason = kept.length === 0 && replies > 0 ? 'auto-reply' : revoked ? 'revoked' : 'not-writer';
      return this.drop(frame, reason, device);
    }
    try {
      this.o.record?.(device, frame.counter);
    } catch {
      return this.drop(frame, 'unrecorded', device);
    }
    this.last.set(device, frame.counter);
    if (this.replyOwner !== undefined && !writers.has(this.replyOwner)) this.replyOwner = undefined;
    if (kept.length > 0 || this.replyOwner === undefined) this.replyOwner = device;
    if (this.replyOwner !== device) return this.drop(frame, 'auto-reply', device);
    return { ok: true, device, data: frame.data, typed: kept.length > 0 };
  }

  private drop(frame: InputFrame, reason: DropReason, device: DeviceId | null): InputDecision {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
    this.o.log?.({ reason, device, counter: frame.counter, bytes: frame.data.length });
    return { ok: false, reason, device };
  }
}
