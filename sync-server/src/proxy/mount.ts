/**
 * The proxy as programs mount it: configured from TENDRIL_PROXY_* variables,
 * on the real clock, with every usage record (never a key) written to the
 * relay's log as a `proxy.usage` event.
 */
import type { Logger } from '../server/logger.ts';
import type { HttpRoute } from '../server/http-routes.ts';
import { proxyConfigFromEnv } from './config.ts';
import { createLlmProxy, type LlmProxyDeps } from './proxy.ts';

export function proxyRoute(env: Readonly<Record<string, string | undefined>>, o: { logger: Logger; estimateCost?: LlmProxyDeps['estimateCost'] }): HttpRoute {
  return createLlmProxy(proxyConfigFromEnv(env), {
    clock: { now: () => Date.now(), setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) },
    logger: { info: (event, fields) => o.logger.info(event, fields), warn: (event, fields) => o.logger.warn(event, fields) },
    onUsage: (r) => o.logger.info('proxy.usage', { user: r.user, provider: r.provider, model: r.model, inputTokens: r.inputTokens, outputTokens: r.outputTokens, costUsd: r.costUsd ?? 'unknown', estimated: r.estimated, at: r.at }),
    ...(o.estimateCost ? { estimateCost: o.estimateCost } : {}),
  });
}
