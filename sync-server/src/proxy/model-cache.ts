/**
 * Model lists the proxy has fetched, kept for a while (an hour by default)
 * so agents that ask for them often do not each reach the provider. An entry
 * belongs to one provider, one upstream path and one caller key: a list is
 * only ever served to the key that fetched it, because what a key may see is
 * the provider's business. The key itself is never kept: entries are filed
 * under an HMAC of it with a random salt made when the cache is, so the
 * cache's memory holds nothing a key could be read or tested back from
 * after the process ends. Total size is bounded in bytes; the oldest entries
 * go first.
 */
import { createHmac } from 'node:crypto';
import type { ProxyProvider } from './config.ts';

export interface CachedList {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
}

export interface ModelListCache {
  get(provider: ProxyProvider, path: string, apiKey: string, now: number): CachedList | undefined;
  put(provider: ProxyProvider, path: string, apiKey: string, list: CachedList, now: number): void;
  /** Entries held (expired ones may linger until the next put). */
  readonly size: number;
}

export interface ModelListCacheOptions {
  readonly ttlMs: number;
  /** Bytes of bodies and entry names held at most. */
  readonly maxBytes: number;
  /** The HMAC salt (32 random bytes; fresh per process). */
  readonly salt: Uint8Array;
}

/** Bookkeeping bytes counted per entry besides its body, so many tiny lists cannot grow the map unbounded. */
const ENTRY_OVERHEAD = 256;

interface Entry {
  readonly list: CachedList;
  readonly expires: number;
  readonly bytes: number;
}

export function createModelListCache(o: ModelListCacheOptions): ModelListCache {
  // Insertion order is expiry order (one TTL for all), so the first entries are the oldest.
  const entries = new Map<string, Entry>();
  let bytes = 0;
  const nameOf = (provider: ProxyProvider, path: string, apiKey: string): string =>
    `${provider} ${path} ${createHmac('sha256', o.salt).update(apiKey).digest('base64url')}`;
  const drop = (name: string): void => {
    const e = entries.get(name);
    if (!e) return;
    entries.delete(name);
    bytes -= e.bytes;
  };

  return {
    get(provider, path, apiKey, now) {
      const name = nameOf(provider, path, apiKey);
      const e = entries.get(name);
      if (!e) return undefined;
      if (now >= e.expires) {
        drop(name);
        return undefined;
      }
      return e.list;
    },
    put(provider, path, apiKey, list, now) {
      const name = nameOf(provider, path, apiKey);
      const size = list.body.length + name.length + ENTRY_OVERHEAD;
      drop(name);
      if (size > o.maxBytes || o.ttlMs <= 0) return;
      for (const [oldest, e] of entries) {
        if (bytes + size <= o.maxBytes && now < e.expires) break;
        drop(oldest);
      }
      entries.set(name, { list, expires: now + o.ttlMs, bytes: size });
      bytes += size;
    },
    get size() {
      return entries.size;
    },
  };
}
