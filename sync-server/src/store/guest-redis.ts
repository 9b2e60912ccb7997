/**
 * The GuestStore on Redis, for relays whose data lives there: several relay
 * processes on one Redis then see the same links, visitors and ends, and the
 * same wrong-code counts (codeCounts), so a guesser or an ended visitor meets
 * the same answer whichever process it reaches. Admission, ending and the
 * wrong-code count are each one script, so two processes cannot both take a
 * link's last place or lose a count. A link's keys share a hash tag (one
 * cluster slot). Nothing here is secret (see guest-types.ts).
 */
import { Redis } from 'ioredis';
import type { GuestLinkId, WorkspaceId } from '@tendril/crdt-schema/ids';
import { fromBase64Url, toBase64Url } from '@tendril/crdt-schema/ids';
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { CodeRule, GuestCodeCounts } from './guest-code-counts.ts';
import type { AdmitResult, GuestLinkRecord, GuestStore, GuestVisitorRecord } from './guest-types.ts';

export interface RedisGuestStoreOptions {
  url: string;
  /** Prefix of every key, as the relay store's. Default `tendril`. */
  prefix?: string;
}

/** Stores the terms; keeps createdAt and endedAt of a stored link. */
const PUT_LINK = `
redis.call('HSET', KEYS[1], 'rec', ARGV[1])
redis.call('HSETNX', KEYS[1], 'createdAt', ARGV[2])
redis.call('HSETNX', KEYS[1], 'endedAt', '0')
return 1`;

/** Marks a link or a visitor ended (kept when ended already); 0 when unknown. */
const END = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[2], ARGV[2]) == '0' then redis.call('HSET', KEYS[2], ARGV[2], ARGV[3]) end
return 1`;

/** Records a visitor unless known (returned) or the link is full. */
const ADMIT = `
local known = redis.call('HGET', KEYS[1], ARGV[1])
if known then return {'returning', known, redis.call('HGET', KEYS[2], ARGV[1])} end
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return {'full'} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], '0')
redis.call('RPUSH', KEYS[3], ARGV[1])
return {'admitted', ARGV[2], '0'}`;

/** One more wrong code under KEYS[1], by countFailure's rule; the count expires once forgotten. */
const CODE_FAILED = `
local now, free, delay, maxd, forget = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local f = redis.call('HMGET', KEYS[1], 'count', 'last', 'until')
local count, last, untl = tonumber(f[1]), tonumber(f[2]), tonumber(f[3])
if (not count) or (now - last >= forget and now >= untl) then count = 0 end
count = count + 1
local d = 0
if count > free then d = math.min(maxd, delay * 2 ^ math.min(count - free - 1, 30)) end
redis.call('HSET', KEYS[1], 'count', string.format('%.0f', count), 'last', string.format('%.0f', now), 'until', string.format('%.0f', now + d))
redis.call('PEXPIRE', KEYS[1], string.format('%.0f', math.max(forget, d) + 1000))
return string.format('%.0f', d)`;

interface LinkTerms {
  workspace: string;
  capKey: string;
  codeVerifier: string;
  expiresAt: number;
  maxVisitors: number;
  visitorPerMinute: number;
  linkPerMinute: number;
}

type Scripts = Redis & {
  guestPutLink(key: string, rec: string, createdAt: string): Promise<number>;
  guestEnd(k1: string, k2: string, field: string, endedField: string, at: string): Promise<number>;
  guestAdmit(v: string, ended: string, order: string, id: string, json: string, max: string): Promise<string[]>;
  guestCodeFailed(key: string, now: string, free: string, delay: string, maxd: string, forget: string): Promise<string>;
};

export async function openRedisGuestStore(opts: RedisGuestStoreOptions): Promise<GuestStore> {
  const prefix = opts.prefix ?? 'tendril';
  const redis = new Redis(opts.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: 5000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  }) as Scripts;
  redis.on('error', () => undefined); // each command reports its own failure
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new TendrilError('E_STORE_FAILED', `cannot connect to Redis: ${(err as Error).message}`, { cause: err });
  }
  redis.defineCommand('guestPutLink', { numberOfKeys: 1, lua: PUT_LINK });
  redis.defineCommand('guestEnd', { numberOfKeys: 2, lua: END });
  redis.defineCommand('guestAdmit', { numberOfKeys: 3, lua: ADMIT });
  redis.defineCommand('guestCodeFailed', { numberOfKeys: 1, lua: CODE_FAILED });

  const linkKey = (link: string): string => `${prefix}:{g:${link}}:link`;
  const visitorsKey = (link: string): string => `${prefix}:{g:${link}}:v`;
  const endedKey = (link: string): string => `${prefix}:{g:${link}}:ve`;
  const orderKey = (link: string): string => `${prefix}:{g:${link}}:order`;
  const countKey = (key: string): string => `${prefix}:guestcode:${key}`;

  const run = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      throw new TendrilError('E_STORE_FAILED', `Redis guest store, ${what}: ${(err as Error).message}`, { cause: err });
    }
  };
  const visitorOf = (link: GuestLinkId, id: string, json: string, endedAt: string | null): GuestVisitorRecord => {
    const v = JSON.parse(json) as { keyBox: string; admittedAt: number };
    return { link, key: fromBase64Url(id), keyBox: fromBase64Url(v.keyBox), admittedAt: v.admittedAt, endedAt: Number(endedAt ?? 0) };
  };

  return {
    putLink: (r) =>
      run('putLink', async () => {
        const terms: LinkTerms = {
          workspace: r.workspace, capKey: toBase64Url(r.capKey), codeVerifier: toBase64Url(r.codeVerifier), expiresAt: r.expiresAt,
          maxVisitors: r.maxVisitors, visitorPerMinute: r.visitorPerMinute, linkPerMinute: r.linkPerMinute,
        };
        await redis.guestPutLink(linkKey(r.link), JSON.stringify(terms), String(r.createdAt));
      }),
    getLink: (link) =>
      run('getLink', async () => {
        const [rec, createdAt, endedAt] = await redis.hmget(linkKey(link), 'rec', 'createdAt', 'endedAt');
        if (!rec) return undefined;
        const t = JSON.parse(rec) as LinkTerms;
        return {
          link, workspace: t.workspace as WorkspaceId, capKey: fromBase64Url(t.capKey), codeVerifier: fromBase64Url(t.codeVerifier), expiresAt: t.expiresAt,
          maxVisitors: t.maxVisitors, visitorPerMinute: t.visitorPerMinute, linkPerMinute: t.linkPerMinute, createdAt: Number(createdAt), endedAt: Number(endedAt ?? 0),
        } satisfies GuestLinkRecord;
      }),
    endLink: (link, at) => run('endLink', async () => (await redis.guestEnd(linkKey(link), linkKey(link), 'rec', 'endedAt', String(at))) === 1),
    admitVisitor: (link, key, keyBox, at, maxVisitors) =>
      run('admitVisitor', async (): Promise<AdmitResult> => {
        const id = toBase64Url(key);
        const json = JSON.stringify({ keyBox: toBase64Url(keyBox), admittedAt: at });
        const [status, stored, endedAt] = await redis.guestAdmit(visitorsKey(link), endedKey(link), orderKey(link), id, json, String(maxVisitors));
        if (status === 'full') return { status: 'full' };
        const visitor = visitorOf(link, id, stored!, endedAt ?? '0');
        return status === 'admitted' ? { status: 'admitted', visitor } : { status: 'returning', visitor };
      }),
    getVisitor: (link, key) =>
      run('getVisitor', async () => {
        const id = toBase64Url(key);
        const [json, endedAt] = await Promise.all([redis.hget(visitorsKey(link), id), redis.hget(endedKey(link), id)]);
        return json ? visitorOf(link, id, json, endedAt) : undefined;
      }),
    listVisitors: (link) =>
      run('listVisitors', async () => {
        const ids = await redis.lrange(orderKey(link), 0, -1);
        if (ids.length === 0) return [];
        const [jsons, ended] = await Promise.all([redis.hmget(visitorsKey(link), ...ids), redis.hmget(endedKey(link), ...ids)]);
        return ids.flatMap((id, i) => (jsons[i] ? [visitorOf(link, id, jsons[i]!, ended[i] ?? '0')] : []));
      }),
    endVisitor: (link, key, at) => run('endVisitor', async () => (await redis.guestEnd(visitorsKey(link), endedKey(link), toBase64Url(key), toBase64Url(key), String(at))) === 1),
    codeCounts: (rule: CodeRule): GuestCodeCounts => ({
      wait: (key, now) =>
        run('codeWait', async () => {
          const [count, last, until] = await redis.hmget(countKey(key), 'count', 'last', 'until');
          if (count === null) return 0;
          const f = { count: Number(count), last: Number(last), until: Number(until) };
          // Forgotten counts read as none (Redis expires them by its own clock; this is the relay's).
          return now - f.last >= rule.guestCodeForgetMs && now >= f.until ? 0 : Math.max(0, f.until - now);
        }),
      failed: (key, free, now) =>
        run('codeFailed', async () =>
          Number(await redis.guestCodeFailed(countKey(key), String(now), String(free), String(rule.guestCodeDelayMs), String(rule.guestCodeMaxDelayMs), String(rule.guestCodeForgetMs))),
        ),
      sweep: () => undefined,
      size: 0,
    }),
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
