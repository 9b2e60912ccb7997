/**
 * Who is calling the proxy, and with which key. The key is read from the
 * provider's own header, passed upstream and otherwise only hashed: the user
 * is the `x-tendril-user` header or, without one, a short hash of the key, so
 * limits apply per key without the key ever being kept.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ProxyProvider } from './config.ts';

export const USER_HEADER = 'x-tendril-user';
const USER_ID = /^[\w.@:-]{1,128}$/;

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** The API key from `Authorization: Bearer` (OpenAI-style) or `x-api-key` (Anthropic), if any. */
export function apiKeyOf(provider: ProxyProvider, headers: IncomingHttpHeaders): string | undefined {
  if (provider === 'anthropic') {
    const key = one(headers['x-api-key'])?.trim();
    return key ? key : undefined;
  }
  const auth = one(headers.authorization) ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
  return match?.[1];
}

/** The rate-limit identity: the user header when well-formed, "key:" + 16 hex digits of SHA-256(key) otherwise. */
export function userOf(headers: IncomingHttpHeaders, apiKey: string): { user: string } | { invalid: true } {
  const header = one(headers[USER_HEADER]);
  if (header !== undefined) return USER_ID.test(header) ? { user: header } : { invalid: true };
  return { user: `key:${createHash('sha256').update(apiKey).digest('hex').slice(0, 16)}` };
}
