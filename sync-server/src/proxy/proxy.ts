/**
 * The LLM proxy: an HTTP handler the relay mounts for browsers that cannot
 * call a model provider directly. It forwards the routes of routes.ts (chat,
 * embeddings and model lists of OpenAI-style, Anthropic and Gemini upstreams)
 * with the caller's own key, which is passed through and never stored or
 * logged; model lists are cached per key (model-list.ts).
 * Only member devices of workspaces registered at this relay may call it:
 * each request carries a signed proof (caller.ts). Answers stream back byte
 * for byte. Around that: CORS, a body cap, kill switches, limits per device
 * and per workspace (rate, daily tokens, requests in flight), upstream
 * deadlines (first byte, idle, total), a usage record per answer, and one
 * `proxy.usage` log line per request, answered or refused (request-event.ts).
 * POST /v1/proxy/fetch (web-fetch.ts) is served to the same members under the
 * same limits: one GET of a public URL for a tab's web_fetch tool.
 * Returns false for paths it does not own.
 *
 * Unlike the rest of the relay this handler is not blind: prompts, answers
 * and the key pass through it in the clear. It keeps none of them; logs and
 * usage records carry the workspace, the device, the model, sizes and token counts only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorCode } from '@tendril/crdt-schema/errors';
import { PROXY_PROOF_HEADER } from '@tendril/crdt-schema/wire';
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { createEd25519Verifier } from '../server/ed25519.ts';
import { apiKeyOf, closeAfterRefusal, declaredTooLarge, discardRest, KEY_HEADER, readBody } from './request.ts';
import { createCallerCheck, type ProxyMembers } from './caller.ts';
import { resolveProxyConfig, type LlmProxyConfig, type ProxyProvider } from './config.ts';
import type { Resolve } from './fetch-guard.ts';
import { createMemberLimits } from './member-limits.ts';
import { createModelListCache } from './model-cache.ts';
import { relayModelList } from './model-list.ts';
import { relayCall, type ProxyLogFields, type ProxyLogger, type RelayCallContext, type UsageRecord } from './relay-call.ts';
import { openRequestMeter, type ProxyRequestEvent, type RequestMeter } from './request-event.ts';
import { corsHeaders, preflight, sendError, type ProxyErrorOptions } from './respond.ts';
import { isRefusal, matchRoute, type Route, type RouteRefusal } from './routes.ts';
import type { ProxyClock } from './upstream.ts';
import { createHttpTransport, type UpstreamTransport } from './upstream-http.ts';
import { FETCH_PATH, relayWebFetch, type WebFetchContext } from './web-fetch.ts';

export type { ProxyLogFields, ProxyLogger, UsageRecord } from './relay-call.ts';
export type { ProxyRequestEvent } from './request-event.ts';

export interface LlmProxyDeps {
  readonly clock: ProxyClock;
  /** The relay's store: who is a member of which workspace, and who was revoked. */
  readonly members: ProxyMembers;
  /** Ed25519 verification; default node:crypto (the relay's verifier). */
  readonly verify?: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;
  /** How requests reach the provider; default node:http(s) with keep-alive pools. */
  readonly transport?: UpstreamTransport;
  readonly logger?: ProxyLogger;
  readonly onUsage?: (record: UsageRecord) => void;
  /** Every request on a proxy route, answered or refused, once it ended (metrics, cost alert). */
  readonly onRequest?: (event: ProxyRequestEvent) => void;
  /** Price lookup (the workers' estimateCost fits); default: unknown. */
  readonly estimateCost?: (model: string, usage: { inputTokens: number; outputTokens: number }) => number | null;
  /** A kill switch flipped at run time, on top of `config.disabled` (and `config.fetchEnabled` for 'fetch'). */
  readonly isDisabled?: (provider: ProxyProvider | 'fetch') => boolean;
  /** Aborts when the kill switch turns `provider` off: requests in flight to it are cut. */
  readonly killSignal?: (provider: ProxyProvider) => AbortSignal;
  /** Every address a name resolves to, for the web fetch (default: the system resolver). */
  readonly resolve?: Resolve;
  /** Random bytes for the model-list cache's key salt (default: node:crypto). */
  readonly randomBytes?: (n: number) => Uint8Array;
}

const systemResolve: Resolve = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

const ERROR_TEXT = { E_PROXY_RATE_LIMITED: 'too many requests', E_QUOTA: 'daily token quota used up', E_PROXY_CONCURRENCY: 'too many requests in flight' } as const;

/** The `proxy.usage` log line: every field of the event, by name. */
const usageLine = (e: ProxyRequestEvent): ProxyLogFields => ({ ...e });

export type LlmProxyHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export function createLlmProxy(partial: Partial<LlmProxyConfig>, deps: LlmProxyDeps): LlmProxyHandler {
  const config = resolveProxyConfig(partial);
  const { clock } = deps;
  const transport = deps.transport ?? createHttpTransport();
  const log = deps.logger ?? { info() {}, warn() {} };
  const limits = createMemberLimits(config);
  const ed25519 = createEd25519Verifier();
  const verifier = deps.verify ?? ((k, m, sig) => ed25519.verify(k, m, sig));
  const call: RelayCallContext = {
    config,
    transport,
    clock,
    log,
    record: (caller, tokens, at) => limits.record(caller, tokens, at),
    ...(deps.estimateCost && { estimateCost: deps.estimateCost }),
    ...(deps.onUsage && { onUsage: deps.onUsage }),
  };
  const modelLists = createModelListCache({ ttlMs: config.modelListTtlMs, maxBytes: config.modelListCacheBytes, salt: (deps.randomBytes ?? randomBytes)(32) });
  const webFetch: WebFetchContext = { config, clock, log, resolve: deps.resolve ?? systemResolve };
  const callers = createCallerCheck({ members: deps.members, now: () => clock.now(), verify: verifier, windowMs: config.proofWindowMs, maxNonces: config.maxNonces, maxNoncesPerDevice: config.maxNoncesPerDevice });

  /** `route` is a model provider's, or 'fetch' for the web fetch. */
  async function handle(req: IncomingMessage, res: ServerResponse, route: Route | RouteRefusal | 'fetch', meter: RequestMeter): Promise<void> {
    const cors = corsHeaders(req, config.allowedOrigins);
    const fail = (status: number, code: ErrorCode, o: ProxyErrorOptions & { scope?: 'device' | 'workspace' | 'nonces' } = {}): void => {
      meter.error(code, o.scope);
      sendError(res, status, code, { ...o, headers: { ...cors, ...o.headers } });
    };
    /** A refusal before the body is read: a large body closes the connection, a small one is read and dropped. */
    const failEarly = (status: number, code: ErrorCode, o: ProxyErrorOptions = {}): void => {
      const close = declaredTooLarge(req, config.maxBodyBytes);
      fail(status, code, { ...o, close });
      if (!close) discardRest(req, config.maxBodyBytes);
    };
    if (route !== 'fetch' && isRefusal(route)) return failEarly(route.refused, 'E_BAD_INPUT', { message: route.message });
    const method = route === 'fetch' ? 'POST' : route.method;
    if (req.method !== method) return failEarly(405, 'E_BAD_INPUT', { message: `use ${method}`, headers: { allow: `${method}, OPTIONS` } });
    const proof = one(req.headers[PROXY_PROOF_HEADER]);
    const member = await callers.precheck(proof);
    if (!member.ok) return failEarly(member.status, member.code, { message: member.message });
    let forward: { provider: ProxyProvider; kind: Route['kind']; upstreamPath: string; model?: string; streaming?: boolean; base: string; apiKey: string } | undefined;
    if (route === 'fetch') {
      if (!config.fetchEnabled || deps.isDisabled?.('fetch')) return failEarly(503, 'E_PROXY_DISABLED', { message: 'the relay operator switched the web fetch off' });
    } else {
      const base = config.upstreams[route.provider];
      if (!base || config.disabled.includes(route.provider) || deps.isDisabled?.(route.provider)) return failEarly(503, 'E_PROXY_DISABLED');
      const apiKey = apiKeyOf(route.provider, req.headers);
      if (!apiKey) return failEarly(401, 'E_PROVIDER_AUTH', { message: route.provider === 'openai' ? 'no Authorization: Bearer header' : `no ${KEY_HEADER[route.provider]} header` });
      forward = { ...route, base, apiKey };
    }
    const raw = await readBody(req, config.maxBodyBytes);
    if (!raw.ok) {
      if (raw.reason === 'aborted') {
        res.destroy();
        return;
      }
      const close = closeAfterRefusal(req, config.maxBodyBytes);
      fail(413, 'E_BODY_TOO_LARGE', { message: `the body exceeds ${config.maxBodyBytes} bytes`, close });
      if (!close) discardRest(req, config.maxBodyBytes);
      return;
    }
    const signed = callers.check(proof, { method: req.method, path: req.url ?? '/', body: raw.bytes });
    if (!signed.ok) return fail(signed.status, signed.code, { message: signed.message, ...(signed.retryAfterMs !== undefined && { retryAfterMs: signed.retryAfterMs, scope: 'nonces' }) });
    const { caller } = signed;
    meter.caller(caller);
    const admission = limits.admit(caller, clock.now());
    if (!admission.ok) {
      return fail(429, admission.code, { retryAfterMs: admission.retryAfterMs, message: `${ERROR_TEXT[admission.code]} for this ${admission.scope}`, scope: admission.scope });
    }
    try {
      if (forward?.kind === 'models') await relayModelList(call, modelLists, req, res, { ...forward, caller, cors, fail, meter });
      else if (forward) await relayCall(call, req, res, { ...forward, raw: raw.bytes, caller, cors, fail, meter, ...(deps.killSignal && { killed: deps.killSignal(forward.provider) }) });
      else await relayWebFetch(webFetch, req, res, { raw: raw.bytes, caller, cors, fail });
    } finally {
      admission.release();
    }
  }

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://relay');
    const route = url.pathname === FETCH_PATH ? 'fetch' : matchRoute(url);
    if (!route) return false;
    if (req.method === 'OPTIONS') {
      preflight(res, corsHeaders(req, config.allowedOrigins));
      return true;
    }
    const meter = openRequestMeter(route === 'fetch' ? FETCH_PATH : route.template, route === 'fetch' ? 'fetch' : route.provider, () => clock.now());
    try {
      await handle(req, res, route, meter);
    } catch (err) {
      log.warn('proxy.error', { message: err instanceof Error ? err.name : 'unknown' });
      meter.error('E_PROVIDER_UNAVAILABLE');
      if (!res.headersSent) sendError(res, 500, 'E_PROVIDER_UNAVAILABLE', { message: 'the proxy failed' });
      else res.destroy();
    }
    const event = meter.finish(res.headersSent ? res.statusCode : 0);
    log.info('proxy.usage', usageLine(event));
    deps.onRequest?.(event);
    return true;
  };
}
