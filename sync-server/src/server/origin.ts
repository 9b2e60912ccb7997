/**
 * The WebSocket Origin policy. Browsers always send Origin; other peers (CLI,
 * gateway, workers) usually do not, and are allowed unless configured
 * otherwise. A browser page is allowed when its origin is listed or the list
 * holds "*". With no list, the relay's own origin (the app served from the
 * same host) is allowed: Origin equal to Host. Once a list is configured the
 * Host header is not trusted, since a DNS-rebinding page controls both (its
 * own name resolves to the relay, so Origin and Host match).
 */

export interface OriginPolicy {
  /** Allowed origins such as "https://app.example.com", or "*" for any. */
  readonly allowed: readonly string[];
  /** Allow connections without an Origin header. Default true. */
  readonly allowMissing: boolean;
}

const normalize = (origin: string): string => origin.trim().toLowerCase().replace(/\/+$/, '');

export function createOriginPolicy(allowed: readonly string[] = [], allowMissing = true): OriginPolicy {
  return { allowed: allowed.map(normalize).filter((o) => o !== ''), allowMissing };
}

export function originAllowed(policy: OriginPolicy, origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined || origin === '') return policy.allowMissing;
  const o = normalize(origin);
  if (policy.allowed.includes('*') || policy.allowed.includes(o)) return true;
  if (policy.allowed.length > 0) return false;
  try {
    return host !== undefined && new URL(o).host === host.toLowerCase();
  } catch {
    return false;
  }
}
