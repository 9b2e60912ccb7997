/**
 * The LLM proxy: an HTTP handler the relay mounts for browsers that cannot
 * call a model provider directly. It forwards POST /v1/proxy/chat/completions
 * (OpenAI-style upstream) and /v1/proxy/messages (Anthropic upstream) with
 * the caller's own key, which is passed through and never stored or logged.
 * Answers stream back byte for byte. Around that: CORS, a body cap, kill
 * switches, per-user rate limits and daily token quotas, upstream deadlines,
 * and a usage record per answer. Returns false for paths it does not own.
 *
 * Unlike the rest of the relay this handler is not blind: prompts, answers
 * and the key pass through it in the clear. It keeps none of them; logs and
 * usage records carry the user, the model, sizes and token counts only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorCode } from '@tendril/crdt-schema/errors';
import { apiKeyOf, closeAfterRefusal, discardRest, readBody, userOf } from './request.ts';
import { resolveProxyConfig, type LlmProxyConfig, type ProxyProvider } from './config.ts';
import { downstreamHeaders, ROUTES, upstreamBody, upstreamHeaders } from './forward.ts';
import { createUserLimits } from './limits.ts';
import { corsHeaders, preflight, sendError, type ProxyErrorOptions } from './respond.ts';
import { callUpstream, UpstreamEnded, type ProxyClock } from './upstream.ts';
import { createUsageScanner } from './usage-scan.ts';

/** One answered request, for metering; holds no key and no content. */
export interface UsageRecord {
  readonly user: string;
  readonly provider: ProxyProvider;
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** USD, or null when the price of the model is unknown. */
  readonly costUsd: number | null;
  /** True when the upstream reported no usage and the counts are estimated from sizes. */
  readonly estimated: boolean;
  /** Clock time the answer ended. */
  readonly at: number;
}

export type ProxyLogFields = Record<string, string | number | boolean | undefined>;

/** The relay's Logger fits. */
export interface ProxyLogger {
  info(event: string, fields?: ProxyLogFields): void;
  warn(event: string, fields?: ProxyLogFields): void;
}

export interface LlmProxyDeps {
  readonly clock: ProxyClock;
  readonly fetch?: typeof globalThis.fetch;
  readonly logger?: ProxyLogger;
  readonly onUsage?: (record: UsageRecord) => void;
  /** Price lookup (the workers' estimateCost fits); default: unknown. */
  readonly estimateCost?: (model: string, usage: { inputTokens: number; outputTokens: number }) => number | null;
  /** A kill switch flipped at run time, on top of `config.disabled`. */
  readonly isDisabled?: (provider: ProxyProvider) => boolean;
}

const drainedOrClosed = (res: ServerResponse): Promise<void> =>
  new Promise((resolve) => {
    res.once('drain', resolve);
    res.once('close', resolve);
  });

export type LlmProxyHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export function createLlmProxy(partial: Partial<LlmProxyConfig>, deps: LlmProxyDeps): LlmProxyHandler {
  const config = resolveProxyConfig(partial);
  const { clock } = deps;
  const fetchFn = deps.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const log = deps.logger ?? { info() {}, warn() {} };
  const limits = createUserLimits(config);

  async function handle(req: IncomingMessage, res: ServerResponse, provider: ProxyProvider, upstreamPath: string): Promise<void> {
    const cors = corsHeaders(req, config.allowedOrigins);
    if (req.method === 'OPTIONS') return preflight(res, cors);
    const fail = (status: number, code: ErrorCode, o: ProxyErrorOptions = {}): void => {
      log.info('proxy.refused', { provider, status, code });
      sendError(res, status, code, { ...o, headers: { ...cors, ...o.headers } });
    };
    if (req.method !== 'POST') return fail(405, 'E_BAD_INPUT', { message: 'use POST', headers: { allow: 'POST, OPTIONS' } });
    const base = config.upstreams[provider];
    if (!base || config.disabled.includes(provider) || deps.isDisabled?.(provider)) return fail(503, 'E_PROXY_DISABLED');
    const apiKey = apiKeyOf(provider, req.headers);
    if (!apiKey) return fail(401, 'E_PROVIDER_AUTH', { message: provider === 'anthropic' ? 'no x-api-key header' : 'no Authorization: Bearer header' });
    const who = userOf(req.headers, apiKey);
    if ('invalid' in who) return fail(400, 'E_BAD_INPUT', { message: 'x-tendril-user must be 1-128 of [A-Za-z0-9_.@:-]' });
    const { user } = who;
    const admission = limits.admit(user, clock.now());
    if (!admission.ok) return fail(429, admission.code, { retryAfterMs: admission.retryAfterMs });
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
    const body = upstreamBody(provider, raw.bytes);
    if (!body) return fail(400, 'E_BAD_INPUT', { message: 'the body is not a JSON object' });

    const upstream = callUpstream({
      url: base.replace(/\/+$/, '') + upstreamPath,
      headers: upstreamHeaders(provider, req.headers, apiKey),
      body: body.bytes,
      firstByteMs: config.firstByteTimeoutMs,
      idleMs: config.idleTimeoutMs,
    }, fetchFn, clock);
    res.once('close', () => {
      if (!res.writableFinished) upstream.abort();
    });
    const result = await upstream.result;
    if (!result.ok) {
      if (result.reason === 'client_gone') return;
      log.warn('proxy.upstream_failed', { user, provider, reason: result.reason });
      if (result.reason === 'timeout') return fail(504, 'E_PROVIDER_TIMEOUT', { message: `no answer from the ${provider} upstream within ${config.firstByteTimeoutMs} ms` });
      return fail(502, 'E_PROVIDER_UNAVAILABLE', { message: `the ${provider} upstream could not be reached` });
    }

    const { response } = result;
    res.writeHead(response.status, { ...downstreamHeaders(response.headers), ...cors });
    res.flushHeaders();
    const scanner = createUsageScanner(body.streaming || (response.headers.get('content-type') ?? '').includes('text/event-stream'));
    let bytes = 0;
    try {
      for await (const chunk of result.chunks) {
        bytes += chunk.length;
        scanner.push(chunk);
        if (!res.write(chunk)) await drainedOrClosed(res);
      }
      res.end();
    } catch (err) {
      const reason = err instanceof UpstreamEnded ? err.reason : 'unreachable';
      if (reason !== 'client_gone') log.warn('proxy.stream_cut', { user, provider, reason, bytes });
      res.destroy();
    }

    const ok = response.status >= 200 && response.status < 300;
    const scanned = scanner.end();
    if (!ok && !scanned) {
      log.info('proxy.answered', { user, provider, status: response.status, bytes });
      return;
    }
    const usage = scanned ?? { inputTokens: Math.ceil(raw.bytes.length / 4), outputTokens: Math.ceil(bytes / 4), model: undefined };
    const model = body.model ?? scanned?.model ?? 'unknown';
    const at = clock.now();
    limits.record(user, usage.inputTokens + usage.outputTokens, at);
    const costUsd = deps.estimateCost?.(model, usage) ?? null;
    deps.onUsage?.({ user, provider, model, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, costUsd, estimated: !scanned, at });
    log.info('proxy.answered', { user, provider, model, status: response.status, bytes, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens });
  }

  return async (req, res) => {
    const route = ROUTES[new URL(req.url ?? '/', 'http://relay').pathname];
    if (!route) return false;
    try {
      await handle(req, res, route.provider, route.upstreamPath);
    } catch (err) {
      log.warn('proxy.error', { message: err instanceof Error ? err.name : 'unknown' });
      if (!res.headersSent) sendError(res, 500, 'E_PROVIDER_UNAVAILABLE', { message: 'the proxy failed' });
      else res.destroy();
    }
    return true;
  };
}
