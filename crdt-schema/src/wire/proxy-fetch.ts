/**
 * A fetch for the relay's LLM proxy that signs every request it sends with
 * the device key (proxy-proof.ts), so a provider adapter handed this fetch
 * needs to know nothing about proofs. The proof is bound to the URL's path
 * and query, the method and the exact body bytes, so only string and byte
 * bodies can be signed; a fresh nonce and time go into each call (a retry
 * is signed again).
 */
import { TendrilError } from '../errors.ts';
import { PROXY_PROOF_HEADER, signProxyRequest, type ProxySigner } from './proxy-proof.ts';

const utf8 = new TextEncoder();

export function signingFetch(signer: ProxySigner, fetchFn: typeof globalThis.fetch = (input, init) => globalThis.fetch(input, init)): typeof globalThis.fetch {
  return (input, init = {}) => {
    if (typeof input !== 'string' && !(input instanceof URL)) throw new TendrilError('E_BAD_INPUT', 'a signed proxy request takes a URL, not a Request');
    const url = new URL(String(input));
    const body = init.body;
    if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
      throw new TendrilError('E_BAD_INPUT', 'a signed proxy request needs a string or byte body');
    }
    const bytes = typeof body === 'string' ? utf8.encode(body) : (body ?? new Uint8Array(0));
    const headers = new Headers(init.headers);
    headers.set(PROXY_PROOF_HEADER, signProxyRequest(signer, { method: (init.method ?? 'GET').toUpperCase(), path: url.pathname + url.search, body: bytes }));
    return fetchFn(input, { ...init, headers });
  };
}
