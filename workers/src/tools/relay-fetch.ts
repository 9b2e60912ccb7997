/**
 * A `fetch` for web pages that goes through the relay's proxy
 * (POST /v1/proxy/fetch), for a browser tab that cannot fetch other sites
 * itself. Each call becomes one signed request for one URL; the relay's 200
 * carrying the upstream's status, type and location in `x-tendril-upstream-*`
 * headers is turned back into a Response with that status, type and
 * location, so fetchText works unchanged: it still sees every redirect (the
 * relay follows none) and checks each hop with its caller's `allow`. A
 * refusal by the relay (not signed, address refused, not text, limits)
 * becomes a TendrilError with the relay's code and message.
 */
import { ERRORS, TendrilError, type ErrorCode } from '@tendril/crdt-schema/errors';

export const PROXY_FETCH_PATH = '/v1/proxy/fetch';

export interface RelayFetchOptions {
  /** The relay's origin (a tab: its own origin, which serves the proxy). */
  readonly relay: string;
  /** A fetch that signs each request as this device (the app's deviceProxyFetch). */
  readonly signedFetch: typeof globalThis.fetch;
}

const NULL_BODY = new Set([101, 204, 205, 304]);

async function refusal(res: Response): Promise<TendrilError> {
  let error: { code?: unknown; message?: unknown } | undefined;
  try {
    error = ((await res.json()) as { error?: { code?: unknown; message?: unknown } }).error;
  } catch {
    error = undefined;
  }
  const code = typeof error?.code === 'string' && error.code in ERRORS ? (error.code as ErrorCode) : 'E_PROVIDER_UNAVAILABLE';
  const message = typeof error?.message === 'string' ? error.message : `the relay's fetch answered ${res.status}`;
  return new TendrilError(code, `the relay did not fetch it: ${message}`);
}

export function relayFetch(o: RelayFetchOptions): typeof globalThis.fetch {
  const endpoint = `${o.relay.replace(/\/+$/, '')}${PROXY_FETCH_PATH}`;
  return async (input, init = {}) => {
    const url = input instanceof Request ? input.url : String(input);
    const res = await o.signedFetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url }),
      ...(init.signal ? { signal: init.signal } : {}),
    });
    const upstream = Number(res.headers.get('x-tendril-upstream-status'));
    if (res.status !== 200 || !Number.isInteger(upstream) || upstream < 200 || upstream > 599) throw await refusal(res);
    const headers = new Headers();
    const type = res.headers.get('content-type');
    const location = res.headers.get('x-tendril-upstream-location');
    if (type) headers.set('content-type', type);
    if (location) headers.set('location', location);
    if (NULL_BODY.has(upstream)) {
      await res.body?.cancel().catch(() => {});
      return new Response(null, { status: upstream, headers });
    }
    return new Response(res.body, { status: upstream, headers });
  };
}
