/**
 * The fan-out between relay processes over Redis pub/sub: one channel per
 * key prefix (`<prefix>:fanout`), one connection to publish and one to
 * listen (a subscribed Redis connection runs no other command). Every
 * message carries this process's random id and the listener skips its own.
 *
 * Pub/sub forgets: a message published while a listener is disconnected
 * never reaches it. So nothing here is the data: `appended` says where a log
 * stands and the relay reads the entries from the store, and when the
 * listening connection comes back the relay is told to `resync` (re-read
 * heads, revocations and capability keys from the store). A publish that
 * fails (Redis unreachable) is dropped and logged once per outage; the
 * other processes find what it announced on their periodic head check.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../server/logger.ts';
import { ORIGIN_BYTES, readFanoutMessage, writeFanoutMessage } from './codec.ts';
import type { Fanout, FanoutListener } from './types.ts';

export interface RedisFanoutOptions {
  /** The Redis the relays' store is on (any node of it: pub/sub reaches the whole server or cluster). */
  url: string;
  /** Key prefix of the store; relays on one prefix hear each other. Default `tendril`. */
  prefix?: string;
  logger?: Logger;
}

function connection(url: string): Redis {
  return new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 5000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  });
}

/** Connects both connections and subscribes on `start`; rejects when Redis cannot be reached. */
export async function openRedisFanout(opts: RedisFanoutOptions): Promise<Fanout> {
  const channel = `${opts.prefix ?? 'tendril'}:fanout`;
  const origin = new Uint8Array(randomBytes(ORIGIN_BYTES));
  const logger = opts.logger;
  const pub = connection(opts.url);
  const sub = connection(opts.url);
  // ioredis subscribes again by itself after a reconnect; until then messages are lost.
  sub.options.enableOfflineQueue = true;
  let closed = false;
  let publishFailing = false;
  let lost = false;
  for (const [name, c] of [['publish', pub], ['listen', sub]] as const) {
    c.on('error', (err: Error) => logger?.warn('fanout.redis.error', { connection: name, error: err.message }));
  }
  await Promise.all([pub.connect(), sub.connect()]).catch((err: unknown) => {
    pub.disconnect();
    sub.disconnect();
    throw err;
  });

  const isOwn = (other: Uint8Array): boolean => Buffer.compare(Buffer.from(other), Buffer.from(origin)) === 0;

  return {
    shared: true,
    publish(msg) {
      if (closed) return;
      const bytes = Buffer.from(writeFanoutMessage(origin, msg));
      pub.publish(channel, bytes).then(
        () => {
          if (!publishFailing) return;
          publishFailing = false;
          logger?.info('fanout.publish_recovered', {});
        },
        (err: unknown) => {
          if (publishFailing) return;
          publishFailing = true;
          logger?.error('fanout.publish_failed', { error: String(err) });
        },
      );
    },
    async start(listener: FanoutListener) {
      sub.on('messageBuffer', (ch: Buffer, data: Buffer) => {
        if (ch.toString() !== channel) return;
        let read;
        try {
          read = readFanoutMessage(new Uint8Array(data));
        } catch (err) {
          logger?.warn('fanout.malformed', { error: String(err), bytes: data.length });
          return;
        }
        if (!isOwn(read.origin)) listener.message(read.msg);
      });
      sub.on('close', () => {
        if (!closed) lost = true;
      });
      sub.on('ready', () => {
        if (!lost || closed) return;
        lost = false;
        // Re-read the store only once subscribed again, so nothing falls between the two.
        sub.subscribe(channel).then(
          () => {
            logger?.info('fanout.resync', {});
            listener.resync();
          },
          (err: unknown) => logger?.warn('fanout.resubscribe_failed', { error: String(err) }),
        );
      });
      await sub.subscribe(channel);
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([pub.quit(), sub.quit()]);
      pub.disconnect();
      sub.disconnect();
    },
  };
}
