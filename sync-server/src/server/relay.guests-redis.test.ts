/**
 * Integration: guest links on two relay processes sharing one Redis (the
 * Redis store and the Redis guest store, a real redis-server). A link
 * registered through one relay admits its visitors through the other; wrong
 * codes tried on either count together, so spreading guesses over the
 * processes does not escape the wait; a visitor or a link ended through one
 * relay is refused by the other, and a visitor connected to the other relay
 * is closed at once (the fan-out tells it; it checks the store first).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FrameType, type ErrorFrame } from '@tendril/crdt-schema/wire';
import { openRedisStore } from '../store/redis.ts';
import { openRedisGuestStore } from '../store/guest-redis.ts';
import { openRedisFanout } from '../fanout/redis.ts';
import { relayHarness, type TestRelay } from '../testing/harness.ts';
import { testKey } from '../testing/keys.ts';
import { manualClock } from '../testing/manual-clock.ts';
import { endGuest, guestHello, registerLink } from '../testing/guests.ts';
import { startRedis, type TestRedis } from '../testing/redis-server.ts';

const h = relayHarness();
afterEach(() => h.cleanup());

let redis: TestRedis | undefined;
beforeAll(async () => {
  redis = await startRedis();
}, 30_000);
afterAll(() => redis?.cleanup());

const limits = { guestCodeFreeTriesPerIp: 3, guestCodeFreeTriesPerLink: 50, guestCodeDelayMs: 1000, guestCodeMaxDelayMs: 60_000 };

describe('guest links on two relays sharing Redis', () => {
  const clock = manualClock();
  const pair = async (): Promise<[TestRelay, TestRelay]> => {
    const prefix = `t${randomBytes(6).toString('hex')}`;
    const url = redis!.url;
    const relay = async (): Promise<TestRelay> =>
      h.start({ store: await openRedisStore({ url, prefix }), guestStore: await openRedisGuestStore({ url, prefix }), fanout: await openRedisFanout({ url, prefix }), clock, limits });
    return [await relay(), await relay()];
  };

  it('counts wrong codes across the relays, admits on either, and refuses an ended visitor on the other', async () => {
    const [a, b] = await pair();
    const owner = await h.member(a);
    const t = await registerLink(owner.client);
    const visitor = testKey();
    const waits: number[] = [];
    // Wrong codes alternate between the two relays, from one address.
    for (let i = 0; i < 5; i++) {
      const c = await h.connect(i % 2 === 0 ? a : b);
      const answer = (await guestHello(c, t, visitor, `wrong-${i}`)) as ErrorFrame;
      expect(answer).toMatchObject({ type: FrameType.Error, code: 'E_GUEST_CODE' });
      waits.push(answer.retryAfterMs);
      // While a wait runs, the other relay refuses even the right code.
      if (answer.retryAfterMs > 0) {
        const early = await h.connect(i % 2 === 0 ? b : a);
        expect(await guestHello(early, t, visitor, t.code)).toMatchObject({ code: 'E_GUEST_CODE', retryAfterMs: answer.retryAfterMs });
        clock.advance(answer.retryAfterMs);
      }
    }
    expect(waits).toEqual([0, 0, 0, 1000, 2000]);
    // Admitted through B, the link registered through A; back through A without the code.
    expect((await guestHello(await h.connect(b), t, visitor, t.code)).type).toBe(FrameType.Welcome);
    expect((await guestHello(await h.connect(a), t, visitor, '')).type).toBe(FrameType.Welcome);
    const onB = await h.connect(b);
    expect((await guestHello(onB, t, visitor, '')).type).toBe(FrameType.Welcome);

    // Ended through A: its connection on B is closed, and B refuses the visitor from then on.
    expect((await endGuest(owner.client, t, visitor)).type).toBe(FrameType.GuestState);
    expect(await onB.next((f) => f.type === FrameType.Error && f.code === 'E_GUEST_ENDED', 10_000)).toMatchObject({ fatal: true });
    expect(await guestHello(await h.connect(b), t, visitor, '')).toMatchObject({ code: 'E_GUEST_ENDED' });
    // The whole link ended through A: B admits no newcomer either.
    expect((await endGuest(owner.client, t)).type).toBe(FrameType.GuestState);
    expect(await guestHello(await h.connect(b), t, testKey(), t.code)).toMatchObject({ code: 'E_GUEST_ENDED' });
  });

  it('holds a link to its visitor limit across the relays', async () => {
    const [a, b] = await pair();
    const owner = await h.member(a);
    const t = await registerLink(owner.client, { maxVisitors: 2 });
    expect((await guestHello(await h.connect(a), t, testKey(), t.code)).type).toBe(FrameType.Welcome);
    expect((await guestHello(await h.connect(b), t, testKey(), t.code)).type).toBe(FrameType.Welcome);
    expect(await guestHello(await h.connect(b), t, testKey(), t.code)).toMatchObject({ code: 'E_GUEST_LIMIT' });
    expect(await guestHello(await h.connect(a), t, testKey(), t.code)).toMatchObject({ code: 'E_GUEST_LIMIT' });
  });
});
