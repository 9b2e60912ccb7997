/**
 * Who answers a guest message: the claim protocol every runner of the owner
 * (a worker, the browser runner) shares. A runner appends a claim and answers
 * only while it holds the message. The log is in the relay's seq order, the
 * same for every reader, so folding it names one holder for everybody. A
 * claim is a lease: it holds for `leaseMs` after its time, the holder renews
 * it while it works, and a claim by another runner made after the lease ran
 * out takes the message over, so a runner that died between claim and reply
 * leaves the message to the next one instead of to nobody.
 */
import type { DeviceId } from '../ids.ts';
import type { GuestPayload } from './messages.ts';
import { pendingMessages, type GuestLogEntry } from './transcript.ts';

/** How long a claim holds unless renewed. */
export const GUEST_CLAIM_LEASE_MS = 60_000;

export interface GuestClaim {
  readonly holder: DeviceId;
  /** The lease runs out at this time (the holder's clock, as written in its claims). */
  readonly until: number;
}

/** The claim on message `id` as the log says: the first claim, renewed by its author, taken over by a claim made after it ran out. */
export function claimOf(log: readonly GuestLogEntry[], id: string, leaseMs = GUEST_CLAIM_LEASE_MS): GuestClaim | undefined {
  let claim: GuestClaim | undefined;
  for (const e of log) {
    if (e.fromVisitor || e.payload.t !== 'claim' || e.payload.for !== id) continue;
    const until = e.payload.at + leaseMs;
    if (!claim || e.author === claim.holder || e.payload.at >= claim.until) {
      claim = { holder: e.author, until: claim && e.author === claim.holder ? Math.max(claim.until, until) : until };
    }
  }
  return claim;
}

/** The owner device holding the claim on message `id`, if any (expired or not). */
export function claimant(log: readonly GuestLogEntry[], id: string, leaseMs = GUEST_CLAIM_LEASE_MS): DeviceId | undefined {
  return claimOf(log, id, leaseMs)?.holder;
}

/** What runner `me` should do next in a conversation. */
export type GuestClaimStep =
  /** Nothing waits. */
  | { readonly kind: 'idle' }
  /** `me` holds this message: answer it (renewing the claim while it works). */
  | { readonly kind: 'answer'; readonly msg: Extract<GuestPayload, { t: 'msg' }> }
  /** Append a claim on this message (free, its lease ran out, or `me` must renew), then look again. */
  | { readonly kind: 'claim'; readonly msg: Extract<GuestPayload, { t: 'msg' }> }
  /** Other runners hold what waits: look again at `at`, when the first lease runs out. */
  | { readonly kind: 'wait'; readonly at: number };

/** The next step for runner `me` at time `now`, oldest waiting message first. */
export function nextGuestClaimStep(log: readonly GuestLogEntry[], me: DeviceId, now: number, leaseMs = GUEST_CLAIM_LEASE_MS): GuestClaimStep {
  let wakeAt = Infinity;
  for (const msg of pendingMessages(log)) {
    const claim = claimOf(log, msg.id, leaseMs);
    if (!claim || now >= claim.until) return { kind: 'claim', msg };
    if (claim.holder === me) return { kind: 'answer', msg };
    wakeAt = Math.min(wakeAt, claim.until);
  }
  return wakeAt === Infinity ? { kind: 'idle' } : { kind: 'wait', at: wakeAt };
}
