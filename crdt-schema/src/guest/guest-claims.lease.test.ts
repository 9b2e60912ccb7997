import { describe, expect, it } from 'vitest';
import type { DeviceId } from '../ids.ts';
import { claimOf, nextGuestClaimStep } from './guest-claims.ts';
import type { GuestPayload } from './messages.ts';
import type { GuestLogEntry } from './transcript.ts';

const A = 'device-a' as DeviceId;
const B = 'device-b' as DeviceId;
const V = 'visitor' as DeviceId;
const LEASE = 1000;

function log(...items: [DeviceId, GuestPayload][]): GuestLogEntry[] {
  return items.map(([author, payload], i) => ({ seq: i + 1, author, fromVisitor: author === V, payload }));
}
const msg = (id: string): [DeviceId, GuestPayload] => [V, { t: 'msg', id, text: id, at: 0 }];
const claim = (who: DeviceId, id: string, at: number): [DeviceId, GuestPayload] => [who, { t: 'claim', for: id, at }];

describe('guest claims', () => {
  it('gives a message to the first claim, renewed by its author, ignoring others while it holds', () => {
    const l = log(msg('m'), claim(A, 'm', 100), claim(B, 'm', 150), claim(A, 'm', 900), claim(B, 'm', 1500));
    // A's renewal at 900 holds to 1900: B's claim at 1500 does not take it.
    expect(claimOf(l, 'm', LEASE)).toEqual({ holder: A, until: 1900 });
  });

  it('lets another runner take a message over once the lease ran out', () => {
    const l = log(msg('m'), claim(A, 'm', 100), claim(B, 'm', 1100));
    expect(claimOf(l, 'm', LEASE)).toEqual({ holder: B, until: 2100 });
    // A claim by the old holder after the takeover does not win it back while B holds.
    expect(claimOf([...l, { seq: 4, author: A, fromVisitor: false, payload: { t: 'claim', for: 'm', at: 1200 } }], 'm', LEASE)?.holder).toBe(B);
  });

  it('says what a runner does next: claim what is free or expired, answer what it holds, wait for the others', () => {
    const l = log(msg('m'), claim(A, 'm', 100));
    expect(nextGuestClaimStep(l, A, 500, LEASE)).toMatchObject({ kind: 'answer', msg: { id: 'm' } });
    expect(nextGuestClaimStep(l, B, 500, LEASE)).toEqual({ kind: 'wait', at: 1100 });
    expect(nextGuestClaimStep(l, B, 1100, LEASE)).toMatchObject({ kind: 'claim', msg: { id: 'm' } });
    expect(nextGuestClaimStep(log(msg('n')), B, 0, LEASE)).toMatchObject({ kind: 'claim', msg: { id: 'n' } });
    const answered = log(msg('m'), claim(A, 'm', 100), [A, { t: 'reply', for: 'm', text: 'hi', at: 200, tokens: 1 }]);
    expect(nextGuestClaimStep(answered, B, 5000, LEASE)).toEqual({ kind: 'idle' });
  });
});
