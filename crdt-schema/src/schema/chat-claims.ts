/**
 * Claims on pending user turns: a worker takes a lease on a turn before it
 * answers, so two workers do not both reply. Concurrent claims resolve to one
 * winner on every peer (last writer wins on the turn's record), so a worker
 * answers only while `holds()` stays true after syncing; a lease that is not
 * renewed expires and the turn is up for grabs again.
 */
import type * as Y from 'yjs';
import type { DeviceId, MessageId } from '../ids.ts';
import { badInput, checkInt, compareStrings, entryOf, readRecord } from './fields.ts';
import { CHAT } from './keys.ts';
import type { Writer } from './writer.ts';

export interface Claim {
  readonly messageId: MessageId;
  readonly worker: DeviceId;
  /** Milliseconds since the epoch after which the claim is void. */
  readonly leaseUntil: number;
  readonly claimedAt: number;
}

export function claimsSection(doc: Y.Doc, w: Writer) {
  const claims = doc.getMap<unknown>(CHAT.claims);
  const messages = doc.getMap<unknown>(CHAT.messages);
  const get = (messageId: MessageId): Claim | undefined => {
    const r = readRecord(claims, messageId);
    if (r === undefined || typeof r.worker !== 'string' || typeof r.leaseUntil !== 'number' || typeof r.claimedAt !== 'number') return undefined;
    return { messageId, worker: r.worker as DeviceId, leaseUntil: r.leaseUntil, claimedAt: r.claimedAt };
  };
  const isLive = (c: Claim | undefined, now: number): c is Claim => c !== undefined && c.leaseUntil > now;
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
    /**
     * Takes (or renews) a lease of `leaseMs` unless another worker's lease is
     * live. Returns whether this worker holds it locally; re-check with holds()
     * after syncing, since a concurrent claim may win.
     */
    claim(messageId: MessageId, worker: DeviceId, leaseMs: number): boolean {
      checkInt(leaseMs, 'leaseMs', 1, 24 * 3600_000);
      if (entryOf(messages, messageId) === undefined) badInput(`no message ${messageId}`);
      const now = w.now();
      const current = get(messageId);
      if (isLive(current, now) && current.worker !== worker) return false;
      const claimedAt = current?.worker === worker && isLive(current, now) ? current.claimedAt : now;
      w.write(() => claims.set(messageId, { worker, leaseUntil: now + leaseMs, claimedAt }));
      return true;
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
