/**
 * What makes an acknowledged append durable on Redis, checked when the store
 * opens and on every health check: either the server fsyncs its append-only
 * file before it replies (`appendonly yes` + `appendfsync always`), or each
 * batch of appends waits (WAIT) until `waitReplicas` replicas hold it. Redis
 * must also never evict keys (`maxmemory-policy noeviction`, or no maxmemory):
 * an evicted log entry is a lost acknowledged entry. A deployment that accepts
 * the risk opts out explicitly (`unsafeDurability`); the store then opens
 * whatever the settings.
 */
import type { Redis } from 'ioredis';

export interface DurabilityOptions {
  /** Replicas that must hold each append before it is acknowledged (WAIT); 0 = rely on the server's fsync. */
  readonly waitReplicas: number;
  /** Skip the settings check (acknowledged appends may be lost on a Redis crash or eviction). */
  readonly unsafeDurability: boolean;
}

/** The server settings the check reads, by name. */
async function settings(redis: Redis): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of ['appendonly', 'appendfsync', 'maxmemory', 'maxmemory-policy']) {
    const [, value] = (await redis.config('GET', name)) as string[];
    if (value !== undefined) out.set(name, value);
  }
  return out;
}

/**
 * Why acknowledged appends could be lost with this server's settings, or
 * undefined when they cannot (for the failures the README lists). Reading
 * the settings needs CONFIG GET; a server that refuses it is reported too.
 */
export async function durabilityProblem(redis: Redis, opts: DurabilityOptions): Promise<string | undefined> {
  if (opts.unsafeDurability) return undefined;
  let s: Map<string, string>;
  try {
    s = await settings(redis);
  } catch (err) {
    return `cannot read the server's persistence settings (CONFIG GET: ${(err as Error).message})`;
  }
  const problems: string[] = [];
  const fsyncs = s.get('appendonly') === 'yes' && s.get('appendfsync') === 'always';
  if (!fsyncs && opts.waitReplicas === 0) {
    problems.push(`appendonly=${s.get('appendonly')} appendfsync=${s.get('appendfsync')} (needs appendonly yes + appendfsync always, or --redis-wait-replicas N)`);
  }
  if (s.get('maxmemory') !== '0' && s.get('maxmemory-policy') !== 'noeviction') {
    problems.push(`maxmemory-policy=${s.get('maxmemory-policy')} may evict stored entries (needs noeviction)`);
  }
  return problems.length > 0 ? problems.join('; ') : undefined;
}
