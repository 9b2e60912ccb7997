/**
 * One admitted request, relayed: the body as the provider gets it, the call
 * with its deadlines (first byte, idle, total: 120 s streaming, 30 s
 * otherwise), the answer streamed back byte for byte, an error event when a
 * stream is cut at its total deadline, and the usage record (never a key,
 * never content), also noted on the request's meter for its `proxy.usage`
 * line. A caller that goes away aborts the upstream request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorCode } from '@tendril/crdt-schema/errors';
import type { DeviceId, WorkspaceId } from '@tendril/crdt-schema/ids';
import type { Caller } from './caller.ts';
import type { LlmProxyConfig, ProxyProvider } from './config.ts';
import { downstreamHeaders, upstreamBody, upstreamHeaders } from './forward.ts';
import type { RequestMeter } from './request-event.ts';
import { deadlineEvent, killedEvent, type ProxyErrorOptions } from './respond.ts';
import type { RouteKind } from './routes.ts';
import { callUpstream, UpstreamEnded, type EndReason, type ProxyClock } from './upstream.ts';
import type { UpstreamTransport } from './upstream-http.ts';
import { createUsageScanner } from './usage-scan.ts';

/** One answered request, for metering; holds no key and no content. */
export interface UsageRecord {
  readonly workspace: WorkspaceId;
  readonly device: DeviceId;
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

export type ProxyLogFields = Record<string, string | number | boolean | null | undefined>;

/** The relay's Logger fits. */
export interface ProxyLogger {
  info(event: string, fields?: ProxyLogFields): void;
  warn(event: string, fields?: ProxyLogFields): void;
}

/** What relaying needs from the proxy around it. */
export interface RelayCallContext {
  readonly config: LlmProxyConfig;
  readonly transport: UpstreamTransport;
  readonly clock: ProxyClock;
  readonly log: ProxyLogger;
  /** Counts the tokens of an answered request against the caller's limits. */
  record(caller: Caller, tokens: number, at: number): void;
  readonly estimateCost?: (model: string, usage: { inputTokens: number; outputTokens: number }) => number | null;
  readonly onUsage?: (record: UsageRecord) => void;
}

/** Resolves when `res` can take more, or is gone; at once when it is already gone (its close will not come again). */
export const drainedOrClosed = (res: ServerResponse): Promise<void> =>
  res.destroyed ? Promise.resolve() : new Promise((resolve) => {
    res.once('drain', resolve);
    res.once('close', resolve);
  });

/** The request as admitted: where it goes, with which key, for whom. */
export interface Forwarding {
  readonly provider: ProxyProvider;
  readonly kind: RouteKind;
  readonly upstreamPath: string;
  /** The model named by the path (Gemini); otherwise the body's. */
  readonly model?: string;
  /** Whether the answer streams, when the path says so (Gemini); otherwise the body's `stream`. */
  readonly streaming?: boolean;
  readonly base: string;
  readonly apiKey: string;
  readonly raw: Buffer;
  readonly caller: Caller;
  readonly cors: Record<string, string>;
  readonly fail: (status: number, code: ErrorCode, o?: ProxyErrorOptions) => void;
  /** The request's event (request-event.ts): first byte, usage, why a stream ended early. */
  readonly meter?: RequestMeter;
  /** Aborts when the operator switches this provider off: the request or stream in flight is cut. */
  readonly killed?: AbortSignal;
}

/** The error a stream cut short stands for in the request's event. */
const CUT: Record<EndReason, ErrorCode> = { timeout: 'E_PROVIDER_TIMEOUT', idle: 'E_PROVIDER_TIMEOUT', deadline: 'E_PROXY_DEADLINE', client_gone: 'E_ABORTED', killed: 'E_PROXY_DISABLED', unreachable: 'E_PROVIDER_STREAM' };

export async function relayCall(ctx: RelayCallContext, req: IncomingMessage, res: ServerResponse, f: Forwarding): Promise<void> {
  const { config, clock } = ctx;
  const { provider, fail, meter } = f;
  const body = upstreamBody(provider, f.raw);
  if (!body) return fail(400, 'E_BAD_INPUT', { message: 'the body is not a JSON object' });
  const model = f.model ?? body.model;
  if (model !== undefined) meter?.model(model);
  const streaming = f.streaming ?? body.streaming;
  const totalMs = streaming ? config.streamTimeoutMs : config.requestTimeoutMs;

  const upstream = callUpstream({
    url: f.base.replace(/\/+$/, '') + f.upstreamPath,
    headers: upstreamHeaders(provider, req.headers, f.apiKey),
    body: body.bytes,
    firstByteMs: config.firstByteTimeoutMs,
    idleMs: config.idleTimeoutMs,
    totalMs,
  }, ctx.transport, clock);
  res.once('close', () => {
    if (!res.writableFinished) upstream.abort();
  });
  const cut = (): void => upstream.abort('killed');
  f.killed?.addEventListener('abort', cut, { once: true });
  try {
    await relayAnswer(ctx, res, f, upstream, body, { streaming, totalMs });
  } finally {
    f.killed?.removeEventListener('abort', cut);
  }
}

async function relayAnswer(ctx: RelayCallContext, res: ServerResponse, f: Forwarding, upstream: ReturnType<typeof callUpstream>, body: NonNullable<ReturnType<typeof upstreamBody>>, { streaming, totalMs }: { streaming: boolean; totalMs: number }): Promise<void> {
  const { config, clock, log } = ctx;
  const { provider, caller, cors, fail, meter } = f;
  const who = { workspace: caller.workspace, device: caller.device };
  const result = await upstream.result;
  if (!result.ok) {
    if (result.reason === 'client_gone') return meter?.error('E_ABORTED');
    log.warn('proxy.upstream_failed', { ...who, provider, reason: result.reason });
    if (result.reason === 'timeout') return fail(504, 'E_PROVIDER_TIMEOUT', { message: `no answer from the ${provider} upstream within ${config.firstByteTimeoutMs} ms` });
    if (result.reason === 'deadline') return fail(504, 'E_PROXY_DEADLINE', { message: `the request ran past the proxy's ${totalMs} ms limit` });
    if (result.reason === 'killed') return fail(503, 'E_PROXY_DISABLED', { message: `the relay operator switched the ${provider} proxy off` });
    return fail(502, 'E_PROVIDER_UNAVAILABLE', { message: `the ${provider} upstream could not be reached` });
  }

  const { response } = result;
  meter?.firstByte();
  const sse = (response.headers.get('content-type') ?? '').includes('text/event-stream');
  res.writeHead(response.status, { ...downstreamHeaders(response.headers), ...cors });
  res.flushHeaders();
  const scanner = createUsageScanner(streaming || sse);
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
    meter?.error(CUT[reason]);
    if (reason !== 'client_gone') log.warn('proxy.stream_cut', { ...who, provider, reason, bytes });
    // A stream cut at its total deadline or by a kill switch ends with an error event both OpenAI- and Anthropic-style clients read.
    if (reason === 'deadline' && sse && !res.destroyed) res.end(deadlineEvent(totalMs));
    else if (reason === 'killed' && sse && !res.destroyed) res.end(killedEvent(provider));
    else res.destroy();
  }

  const ok = response.status >= 200 && response.status < 300;
  const scanned = scanner.end();
  if (!ok && !scanned) return;
  // Without reported usage, about four bytes a token; an embedding answer is vectors, not generated tokens.
  const usage = scanned ?? { inputTokens: Math.ceil(f.raw.length / 4), outputTokens: f.kind === 'embeddings' ? 0 : Math.ceil(bytes / 4), model: undefined };
  const model = f.model ?? body.model ?? scanned?.model ?? 'unknown';
  const at = clock.now();
  ctx.record(caller, usage.inputTokens + usage.outputTokens, at);
  const costUsd = ctx.estimateCost?.(model, usage) ?? null;
  ctx.onUsage?.({ ...who, provider, model, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, costUsd, estimated: !scanned, at });
  meter?.usage({ model, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, estimated: !scanned, costUsd });
}
