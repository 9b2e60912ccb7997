/**
 * GET of a provider's model list for an admitted member: served from the
 * cache when this key fetched the same list within the cache's time (model-cache.ts),
 * else forwarded with the caller's key under the non-streaming deadline and
 * passed back as it comes. A 200 JSON answer small enough is kept for the
 * next call with the same key; errors and other answers are not. No tokens
 * are counted: a list costs the provider nothing to the caller.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Caller } from './caller.ts';
import type { ProxyProvider } from './config.ts';
import { downstreamHeaders, upstreamHeaders } from './forward.ts';
import type { ModelListCache } from './model-cache.ts';
import { drainedOrClosed, type RelayCallContext } from './relay-call.ts';
import type { RequestMeter } from './request-event.ts';
import type { ProxyErrorOptions } from './respond.ts';
import { callUpstream } from './upstream.ts';
import type { ErrorCode } from '@tendril/crdt-schema/errors';

/** Lists larger than this pass through but are not cached. */
export const MAX_CACHED_LIST_BYTES = 4 * 1024 * 1024;

export const CACHE_HEADER = 'x-tendril-cache';

export interface ModelListRequest {
  readonly provider: ProxyProvider;
  readonly upstreamPath: string;
  readonly base: string;
  readonly apiKey: string;
  readonly caller: Caller;
  readonly cors: Record<string, string>;
  readonly fail: (status: number, code: ErrorCode, o?: ProxyErrorOptions) => void;
  /** The request's event (request-event.ts): first byte, why it ended early. */
  readonly meter?: RequestMeter;
}

export async function relayModelList(ctx: Pick<RelayCallContext, 'config' | 'transport' | 'clock' | 'log'>, cache: ModelListCache, req: IncomingMessage, res: ServerResponse, m: ModelListRequest): Promise<void> {
  const { config, clock, log } = ctx;
  const { provider, caller, fail, meter } = m;
  const who = { workspace: caller.workspace, device: caller.device, provider, route: 'models' };
  const hit = cache.get(provider, m.upstreamPath, m.apiKey, clock.now());
  if (hit) {
    meter?.firstByte();
    res.writeHead(hit.status, { 'content-type': hit.contentType, 'content-length': hit.body.length, [CACHE_HEADER]: 'hit', ...m.cors });
    res.end(hit.body);
    return;
  }

  const upstream = callUpstream({
    method: 'GET',
    url: m.base.replace(/\/+$/, '') + m.upstreamPath,
    headers: upstreamHeaders(provider, req.headers, m.apiKey, false),
    firstByteMs: config.firstByteTimeoutMs,
    idleMs: config.idleTimeoutMs,
    totalMs: config.requestTimeoutMs,
  }, ctx.transport, clock);
  res.once('close', () => {
    if (!res.writableFinished) upstream.abort();
  });
  const result = await upstream.result;
  if (!result.ok) {
    if (result.reason === 'client_gone') return meter?.error('E_ABORTED');
    log.warn('proxy.upstream_failed', { ...who, reason: result.reason });
    if (result.reason === 'timeout') return fail(504, 'E_PROVIDER_TIMEOUT', { message: `no answer from the ${provider} upstream within ${config.firstByteTimeoutMs} ms` });
    if (result.reason === 'deadline') return fail(504, 'E_PROXY_DEADLINE', { message: `the request ran past the proxy's ${config.requestTimeoutMs} ms limit` });
    return fail(502, 'E_PROVIDER_UNAVAILABLE', { message: `the ${provider} upstream could not be reached` });
  }

  const { response } = result;
  meter?.firstByte();
  const contentType = response.headers.get('content-type') ?? '';
  const keep = response.status === 200 && contentType.includes('json');
  res.writeHead(response.status, { ...downstreamHeaders(response.headers), [CACHE_HEADER]: 'miss', ...m.cors });
  const kept: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of result.chunks) {
      bytes += chunk.length;
      if (keep && bytes <= MAX_CACHED_LIST_BYTES) kept.push(Buffer.from(chunk));
      if (!res.write(chunk)) await drainedOrClosed(res);
    }
    res.end();
  } catch {
    res.destroy();
    meter?.error('E_PROVIDER_STREAM');
    log.warn('proxy.stream_cut', { ...who, bytes });
    return;
  }
  if (keep && bytes <= MAX_CACHED_LIST_BYTES) cache.put(provider, m.upstreamPath, m.apiKey, { status: 200, contentType, body: Buffer.concat(kept) }, clock.now());
}
