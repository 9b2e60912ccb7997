/**
 * Claims on pending user turns: a worker takes a lease on a turn before it
 * answers, so two workers do not both reply. Concurrent claims resolve to one
 * winner on every peer (last writer wins on the turn's record), so a worker
 * answers only while `holds()` stays true after syncing; a lease that is not
 * renewed expires and the turn is up for grabs again.
 *
 * The record also counts attempts: the holder adds one when it starts to
 * answer (`beginAttempt`), and claims carry the count over, so it survives
 * worker restarts and is shared by every worker and device. A worker whose attempt failed in a way that may clear up gives the
 * turn back with `backOff`, which keeps the count and sets `retryAt`: no worker
 * claims the turn again before then. Workers give up on a turn (mark it failed)
 * once the count reaches their limit, so a turn is never answered in a loop.
 *
 * A claim can outlive its turn: a claim written before the claimer saw the
 * turn answered (a peer that finished and released it concurrently) may win
 * over that release, since concurrent writes to a record resolve by client,
 * not by time. So an attempt starts only on a turn still pending
 * (`beginAttempt`), and such a stale claim is dropped there.
 */
import type * as Y from 'yjs';
import type { DeviceId, MessageId } from '../ids.ts';
import { badInput, checkInt, compareStrings, entryOf, readRecord, readString } from './fields.ts';
import { CHAT, MESSAGE } from './keys.ts';
import type { Writer } from './writer.ts';

export interface Claim {
  readonly messageId: MessageId;
  readonly worker: DeviceId;
  /** Milliseconds since the epoch after which the claim is void. */
  readonly leaseUntil: number;
  readonly claimedAt: number;
  /**
   * Attempts at answering the turn started so far (a field added to schema 1
   * later: a record without it, e.g. written by older code, reads as 0).
   */
  readonly attempts: number;
  /** Set while the turn waits to be tried again: no claim is taken before this time (ms since the epoch). */
  readonly retryAt?: number;
}

const count = (v: unknown): number => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : 0);

export function claimsSection(doc: Y.Doc, w: Writer) {
  const claims = doc.getMap<unknown>(CHAT.claims);
  const messages = doc.getMap<unknown>(CHAT.messages);
  const get = (messageId: MessageId): Claim | undefined => {
    const r = readRecord(claims, messageId);
    if (r === undefined || typeof r.worker !== 'string' || typeof r.leaseUntil !== 'number' || typeof r.claimedAt !== 'number') return undefined;
    const retryAt = typeof r.retryAt === 'number' && Number.isFinite(r.retryAt) ? { retryAt: r.retryAt } : {};
    return { messageId, worker: r.worker as DeviceId, leaseUntil: r.leaseUntil, claimedAt: r.claimedAt, attempts: count(r.attempts), ...retryAt };
  };
  const isLive = (c: Claim | undefined, now: number): c is Claim => c !== undefined && c.leaseUntil > now;
  const isWaiting = (c: Claim | undefined, now: number): boolean => c?.retryAt !== undefined && c.retryAt > now;
  return {
    get,
    /** True when `worker` holds a live lease on the turn, as far as this peer knows. */
    holds(messageId: MessageId, worker: DeviceId): boolean {
      const c = get(messageId);
      return isLive(c, w.now()) && c.worker === worker;
    },
    /** True when some worker holds a live lease on the turn. */
    isClaimed(messageId: MessageId): boolean {
      return isLive(get(messageId), w.now());
    },
    /** True while the turn waits out its backoff after a failed attempt. */
    isWaiting(messageId: MessageId): boolean {
      return isWaiting(get(messageId), w.now());
    },
    /** Attempts made at the turn so far (0 when never claimed). */
    attempts(messageId: MessageId): number {
      return get(messageId)?.attempts ?? 0;
    },
    /**
     * Takes (or renews) a lease of `leaseMs` unless another worker's lease is
     * live or the turn is waiting out a backoff. The attempt count is kept.
     * Returns whether this worker holds it locally; re-check with
     * holds() after syncing, since a concurrent claim may win.
     */
    claim(messageId: MessageId, worker: DeviceId, leaseMs: number): boolean {
      checkInt(leaseMs, 'leaseMs', 1, 24 * 3600_000);
      if (entryOf(messages, messageId) === undefined) badInput(`no message ${messageId}`);
      const now = w.now();
      const current = get(messageId);
      if (isLive(current, now) && current.worker !== worker) return false;
      const renewal = current?.worker === worker && isLive(current, now);
      if (!renewal && isWaiting(current, now)) return false;
      const claimedAt = renewal ? current.claimedAt : now;
      const attempts = current?.attempts ?? 0;
      w.write(() => claims.set(messageId, { worker, leaseUntil: now + leaseMs, claimedAt, ...(attempts > 0 ? { attempts } : {}) }));
      return true;
    },
    /**
     * The holder starts an attempt at answering: counts it and returns the count, or 0 when `worker`
     * does not hold the turn, or when the turn is no longer pending (someone answered it or it failed
     * for good; the stale claim is dropped).
     */
    beginAttempt(messageId: MessageId, worker: DeviceId): number {
      const c = get(messageId);
      if (!isLive(c, w.now()) || c.worker !== worker) return 0;
      const turn = entryOf(messages, messageId);
      if (turn !== undefined && readString(turn, MESSAGE.status) !== 'pending') {
        w.write(() => claims.delete(messageId));
        return 0;
      }
      const attempts = c.attempts + 1;
      w.write(() => claims.set(messageId, { worker, leaseUntil: c.leaseUntil, claimedAt: c.claimedAt, attempts }));
      return attempts;
    },
    /**
     * The holder gives the turn back after a failed attempt: the lease ends,
     * the attempt count stays, and nobody claims the turn before `retryAt`.
     */
    backOff(messageId: MessageId, worker: DeviceId, retryAt: number): void {
      const c = get(messageId);
      if (c?.worker !== worker) return;
      const now = w.now();
      w.write(() => claims.set(messageId, { worker, leaseUntil: now, claimedAt: c.claimedAt, attempts: c.attempts, retryAt: Math.max(now, retryAt) }));
    },
    /** Gives a turn back (done or abandoned). Only the holder's release counts. */
    release(messageId: MessageId, worker: DeviceId): void {
      if (get(messageId)?.worker === worker) w.write(() => claims.delete(messageId));
    },
    list(): Claim[] {
      const out: Claim[] = [];
      for (const id of claims.keys()) {
        const c = get(id as MessageId);
        if (c !== undefined) out.push(c);
      }
      return out.sort((a, b) => compareStrings(a.messageId, b.messageId));
    },
  };
}
