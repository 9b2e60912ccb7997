/**
 * Guest presence across relay processes on one store: a visitor on one
 * process hears that the agent is there when a runner answering its link is
 * connected to any process. Each process announces on the fan-out the whole
 * set of links its runners answer, when that set changes and again every
 * interval, with a time to live; the others believe an announcement until it
 * expires and forget it when the next one replaces it.
 *
 * Why announcements and not counts in the store: a count kept in the store
 * has to be taken back by the process that added it, and a process killed
 * with -9 takes nothing back (expiring keys would need the same heartbeat,
 * plus polling the store to notice a change). A whole set, repeated, needs
 * neither: a lost message is corrected by the next one (one interval), a
 * process that dies stops repeating and its links stop counting once its
 * last announcement expires (at most the time to live plus one interval), a
 * process that closes says "none" on its way out. Times are measured on the
 * receiver's clock from when it heard, so clocks need not agree. Only relay
 * processes publish on the bus (whoever can already rewrite the store); a
 * visitor cannot announce anything, and a runner is counted only once its
 * process has checked it is a member watching the link as answering.
 */
import type { FanoutMessage } from '../fanout/types.ts';
import type { Clock } from './clock.ts';
import type { GuestHub } from './guest-hub.ts';

/** An announcement lives this many intervals: one lost message never makes a runner look away. */
const TTL_INTERVALS = 3;
/** The longest time to live a receiver grants, whatever the sender asks. */
export const MAX_GUEST_PRESENCE_TTL_MS = 3_600_000;

type Announcement = Extract<FanoutMessage, { kind: 'guestAnswering' }>;

export interface GuestPresenceDeps {
  readonly hub: GuestHub;
  readonly clock: Clock;
  /** This process's random id on the bus. */
  readonly relay: string;
  /** How often this process repeats its announcement and forgets expired ones. */
  readonly intervalMs: number;
  publish(msg: FanoutMessage): void;
}

export interface GuestPresence {
  /** The links answered here changed: announce (once per burst of changes). */
  changed(): void;
  /** Every interval: forget what expired, announce again. */
  tick(): void;
  /** Another process's announcement. */
  heard(msg: Announcement): void;
  /** Announce now (after the bus came back, messages may have been lost both ways). */
  announce(): void;
  /** This process is closing: its links stop counting at once. */
  goodbye(): void;
}

export function createGuestPresence(d: GuestPresenceDeps): GuestPresence {
  let queued = false;
  const ttlMs = Math.min(TTL_INTERVALS * d.intervalMs, MAX_GUEST_PRESENCE_TTL_MS);
  const announce = (links = d.hub.answeredHere()): void => d.publish({ kind: 'guestAnswering', relay: d.relay, links, ttlMs });
  return {
    changed() {
      if (queued) return;
      queued = true;
      queueMicrotask(() => {
        queued = false;
        announce();
      });
    },
    tick() {
      d.hub.expire(d.clock.now());
      announce();
    },
    heard(msg) {
      if (msg.relay === d.relay) return;
      d.hub.heard(msg.relay, msg.links, d.clock.now() + Math.min(msg.ttlMs, MAX_GUEST_PRESENCE_TTL_MS));
    },
    announce: () => announce(),
    goodbye: () => announce([]),
  };
}
