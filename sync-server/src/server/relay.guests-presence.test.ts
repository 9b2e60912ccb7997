/**
 * Integration: guest presence across relay processes on one store. A runner
 * answering a link on relay A makes a visitor on relay B hear that the agent
 * is there, on admission and as it changes; the runner leaving makes it away
 * again; an announcement lost on the bus is corrected by the next repeat; and
 * a relay that dies without a word (its bus connection gone, its runner still
 * connected to it) stops counting once its last announcement expires, one
 * that shuts down at once. Runs on
 * a memory store with the in-process bus, and on a real redis-server with the
 * Redis stores and pub/sub fan-out.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FrameType, type Frame } from '@tendril/crdt-schema/wire';
import { createMemoryStore } from '../store/memory.ts';
import { createMemoryGuestStore } from '../store/guest-memory.ts';
import { openRedisStore } from '../store/redis.ts';
import { openRedisGuestStore } from '../store/guest-redis.ts';
import { createMemoryFanoutBus } from '../fanout/memory.ts';
import { openRedisFanout } from '../fanout/redis.ts';
import type { Fanout } from '../fanout/types.ts';
import type { RelayLimits } from './config.ts';
import { relayHarness, type TestRelay } from '../testing/harness.ts';
import { testKey } from '../testing/keys.ts';
import type { TestClient } from '../testing/test-client.ts';
import { guestHello, registerLink, watchLink, type TestLink } from '../testing/guests.ts';
import { startRedis, type TestRedis } from '../testing/redis-server.ts';

const h = relayHarness();
afterEach(() => h.cleanup());

let redis: TestRedis | undefined;
beforeAll(async () => {
  redis = await startRedis();
}, 30_000);
afterAll(() => redis?.cleanup());

/** Announcements repeat every 200 ms and live three times that. */
const limits: Partial<RelayLimits> = { headCheckIntervalMs: 200 };

/** A relay's fan-out whose outgoing messages can be dropped (a bus that loses them), and which can be cut off (the process died). */
interface Wire {
  readonly fanout: Fanout;
  mute(on: boolean): void;
  /** The process is gone: its bus connection drops and nothing more is sent, no goodbye. */
  die(): Promise<void>;
}

function wire(inner: Fanout): Wire {
  let muted = false;
  return {
    fanout: { ...inner, shared: inner.shared, publish: (m) => (muted ? undefined : inner.publish(m)) },
    mute: (on) => void (muted = on),
    die: () => ((muted = true), inner.close()),
  };
}

interface Pair {
  readonly a: TestRelay;
  readonly b: TestRelay;
  readonly wireA: Wire;
}

const BACKENDS: Array<[string, (limits: Partial<RelayLimits>) => Promise<Pair>]> = [
  [
    'memory store, in-process bus',
    async (limits) => {
      const store = createMemoryStore();
      const guestStore = createMemoryGuestStore();
      const bus = createMemoryFanoutBus();
      const wireA = wire(bus.join());
      const a = await h.start({ store, guestStore, fanout: wireA.fanout, closeStore: false, limits });
      const b = await h.start({ store, guestStore, fanout: bus.join(), closeStore: false, limits });
      return { a, b, wireA };
    },
  ],
  [
    'Redis store, Redis pub/sub',
    async (limits) => {
      const prefix = `t${randomBytes(6).toString('hex')}`;
      const url = redis!.url;
      const wireA = wire(await openRedisFanout({ url, prefix }));
      const relay = async (fanout: Fanout): Promise<TestRelay> =>
        h.start({ store: await openRedisStore({ url, prefix }), guestStore: await openRedisGuestStore({ url, prefix }), fanout, limits });
      const a = await relay(wireA.fanout);
      const b = await relay(await openRedisFanout({ url, prefix }));
      return { a, b, wireA };
    },
  ],
];

const presence = (c: TestClient, t: TestLink, answering: boolean): Promise<Frame> =>
  c.next((f) => f.type === FrameType.GuestPresence && f.link === t.link && f.answering === answering, 10_000);

describe.each(BACKENDS)('guest presence across relays: %s', (_name, pair) => {
  it('a runner on A is heard by a visitor on B, on admission and as it comes and goes', async () => {
    const { a, b } = await pair(limits);
    const owner = await h.member(a);
    const t = await registerLink(owner.client);
    const first = await h.connect(b);
    expect((await guestHello(first, t, testKey(), t.code)).type).toBe(FrameType.Welcome);
    expect(await presence(first, t, false)).toBeDefined();

    const runner = await h.member(a, owner.workspace);
    expect((await watchLink(runner.client, t, true)).type).toBe(FrameType.GuestState);
    expect(await presence(first, t, true)).toBeDefined();
    // A visitor admitted on B now hears it on admission.
    const second = await h.connect(b);
    expect((await guestHello(second, t, testKey(), t.code)).type).toBe(FrameType.Welcome);
    expect(await second.next((f) => f.type === FrameType.GuestPresence, 10_000)).toMatchObject({ answering: true });

    await runner.client.close();
    expect(await presence(first, t, false)).toBeDefined();
    expect(await presence(second, t, false)).toBeDefined();
  });

  it('a lost announcement is corrected by the next repeat', async () => {
    const { a, b, wireA } = await pair(limits);
    const owner = await h.member(a);
    const t = await registerLink(owner.client);
    const visitor = await h.connect(b);
    expect((await guestHello(visitor, t, testKey(), t.code)).type).toBe(FrameType.Welcome);
    expect(await presence(visitor, t, false)).toBeDefined();
    // The runner's arrival is announced while the bus loses A's messages: B hears of it only from a repeat.
    wireA.mute(true);
    const runner = await h.member(a, owner.workspace);
    expect((await watchLink(runner.client, t, true)).type).toBe(FrameType.GuestState);
    wireA.mute(false);
    expect(await presence(visitor, t, true)).toBeDefined();
  });

  it('a relay that dies stops counting its runners once its last announcement expires', async () => {
    const { a, b, wireA } = await pair(limits);
    const owner = await h.member(a);
    const t = await registerLink(owner.client);
    const runner = await h.member(a, owner.workspace);
    expect((await watchLink(runner.client, t, true)).type).toBe(FrameType.GuestState);
    const visitor = await h.connect(b);
    expect((await guestHello(visitor, t, testKey(), t.code)).type).toBe(FrameType.Welcome);
    expect(await presence(visitor, t, true)).toBeDefined();
    // A goes silent as a killed process would; its runner is still connected to it.
    await wireA.die();
    expect(await presence(visitor, t, false)).toBeDefined();
    expect(runner.client.isOpen).toBe(true);
  });

  it('a relay that shuts down stops counting its runners at once, without waiting for an expiry', async () => {
    // Announcements live three hours here: only what A says on its way out can make B's visitor hear it.
    const { a, b } = await pair({ headCheckIntervalMs: 3_600_000 });
    const owner = await h.member(a);
    const t = await registerLink(owner.client);
    const runner = await h.member(a, owner.workspace);
    expect((await watchLink(runner.client, t, true)).type).toBe(FrameType.GuestState);
    const visitor = await h.connect(b);
    expect((await guestHello(visitor, t, testKey(), t.code)).type).toBe(FrameType.Welcome);
    expect(await presence(visitor, t, true)).toBeDefined();
    await a.relay.close();
    expect(await presence(visitor, t, false)).toBeDefined();
  });
});
