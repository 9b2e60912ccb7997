import { describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import type { DeviceId } from '../ids.ts';
import { docsWithClients, syncDocs } from '../testkit/sync-docs.ts';
import { chatDoc } from './chat.ts';
import { CHAT } from './keys.ts';

const USER = 'U'.repeat(43) as DeviceId;
const W1 = '1'.repeat(43) as DeviceId;
const W2 = '2'.repeat(43) as DeviceId;

function twoWorkers() {
  const clock = { t: 1000 };
  const [da, db] = docsWithClients(2) as [never, never];
  const a = chatDoc(da, { now: () => clock.t });
  const b = chatDoc(db, { now: () => clock.t });
  const turn = a.addMessage({ author: USER, role: 'user', content: 'go' });
  syncDocs(da, db);
  return { a, b, turn, clock, da: da as Y.Doc, sync: () => syncDocs(da, db) };
}

describe('chat claims', () => {
  it('lets one worker lease a pending turn, renew it, and release it', () => {
    const { a, turn, clock } = twoWorkers();
    expect(a.pendingTurns().map((m) => m.id)).toEqual([turn]);
    expect(a.claims.claim(turn, W1, 30_000)).toBe(true);
    expect(a.pendingTurns()).toEqual([]);
    expect(a.claims.claim(turn, W2, 30_000)).toBe(false);
    clock.t += 10_000;
    expect(a.claims.claim(turn, W1, 30_000)).toBe(true);
    expect(a.claims.get(turn)).toEqual({ messageId: turn, worker: W1, claimedAt: 1000, leaseUntil: 41_000, attempts: 0 });
    a.claims.release(turn, W2);
    expect(a.claims.holds(turn, W1)).toBe(true);
    a.claims.release(turn, W1);
    expect(a.claims.get(turn)).toBeUndefined();
  });

  it('frees a turn whose lease expired', () => {
    const { a, turn, clock } = twoWorkers();
    a.claims.claim(turn, W1, 5_000);
    clock.t += 5_000;
    expect(a.claims.holds(turn, W1)).toBe(false);
    expect(a.pendingTurns().map((m) => m.id)).toEqual([turn]);
    expect(a.claims.claim(turn, W2, 5_000)).toBe(true);
  });

  it('resolves concurrent claims to the same single holder on both peers', () => {
    const { a, b, turn, sync } = twoWorkers();
    expect(a.claims.claim(turn, W1, 30_000)).toBe(true);
    expect(b.claims.claim(turn, W2, 30_000)).toBe(true);
    sync();
    const holders = [W1, W2].filter((w) => a.claims.holds(turn, w));
    expect(holders).toHaveLength(1);
    expect([W1, W2].filter((w) => b.claims.holds(turn, w))).toEqual(holders);
  });

  it('counts attempts across claims, workers and peers, and keeps a backed-off turn from everyone until its time', () => {
    const { a, b, turn, clock, sync } = twoWorkers();
    expect(a.claims.claim(turn, W1, 5_000)).toBe(true);
    expect(a.claims.beginAttempt(turn, W2)).toBe(0);
    expect(a.claims.beginAttempt(turn, W1)).toBe(1);
    a.claims.backOff(turn, W1, clock.t + 10_000);
    sync();
    for (const peer of [a, b]) {
      expect(peer.claims.isClaimed(turn)).toBe(false);
      expect(peer.claims.isWaiting(turn)).toBe(true);
      expect(peer.pendingTurns()).toEqual([]);
      expect(peer.claims.claim(turn, W2, 5_000)).toBe(false);
    }
    clock.t += 10_000;
    expect(b.pendingTurns().map((m) => m.id)).toEqual([turn]);
    expect(b.claims.claim(turn, W2, 5_000)).toBe(true);
    expect(b.claims.get(turn)).toMatchObject({ worker: W2, attempts: 1 });
    expect(b.claims.get(turn)?.retryAt).toBeUndefined();
    expect(b.claims.beginAttempt(turn, W2)).toBe(2);
    sync();
    expect(a.claims.attempts(turn)).toBe(2);
  });

  it('reads a claim record written without an attempt count (older code) as 0 attempts and carries the count on', () => {
    const { a, turn, clock, da } = twoWorkers();
    da.getMap(CHAT.claims).set(turn, { worker: W1, leaseUntil: clock.t + 1000, claimedAt: clock.t });
    expect(a.claims.get(turn)).toEqual({ messageId: turn, worker: W1, leaseUntil: clock.t + 1000, claimedAt: clock.t, attempts: 0 });
    expect(a.claims.beginAttempt(turn, W1)).toBe(1);
  });

  it('ends a turn for good when Stop is pressed on it or on a reply to it', () => {
    const { a, turn } = twoWorkers();
    const reply = a.addMessage({ author: W1, role: 'assistant', status: 'pending', parent: turn });
    expect(a.isTurnStopped(turn)).toBe(false);
    a.requestStop(reply, USER);
    expect(a.isTurnStopped(turn)).toBe(true);
    expect(a.repliesTo(turn).map((m) => m.id)).toEqual([reply]);
  });

  it('starts no attempt on a turn answered while a late claim on it was on its way', () => {
    const { a, b, turn, sync } = twoWorkers();
    // W1 answers and releases the turn; W2, not having seen any of it, claims it at the same time.
    expect(a.claims.claim(turn, W1, 30_000)).toBe(true);
    expect(a.claims.beginAttempt(turn, W1)).toBe(1);
    a.setStatus(turn, 'done');
    a.claims.release(turn, W1);
    expect(b.claims.claim(turn, W2, 30_000)).toBe(true);
    sync();
    // The late claim outlives the release (concurrent writes resolve by client, not by time)...
    expect(b.claims.holds(turn, W2)).toBe(true);
    // ...but W2 must not answer the turn again, and the stale claim goes.
    expect(b.claims.beginAttempt(turn, W2)).toBe(0);
    expect(b.claims.get(turn)).toBeUndefined();
    sync();
    expect(a.claims.get(turn)).toBeUndefined();
    expect(a.pendingTurns()).toEqual([]);
  });

  it('refuses to claim a message that does not exist', () => {
    const { a } = twoWorkers();
    expect(() => a.claims.claim('XXXXXXXXXXXXXXXXXXXXXX' as never, W1, 1000)).toThrow(/no message/);
  });
});
