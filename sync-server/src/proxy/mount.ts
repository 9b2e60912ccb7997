/**
 * The proxy as programs mount it: configured from TENDRIL_PROXY_* variables
 * and --proxy-* flags (proxyConfigFromEnv), on the real clock, checking callers against the
 * relay's own store, with every usage record (never a key) written to the
 * relay's log as a `proxy.usage` event.
 */
import type { Logger } from '../server/logger.ts';
import type { HttpRoute } from '../server/http-routes.ts';
import type { LlmProxyConfig } from './config.ts';
import type { ProxyMembers } from './caller.ts';
import { createLlmProxy, type LlmProxyDeps } from './proxy.ts';

export interface ProxyRouteOptions {
  readonly logger: Logger;
  /** The relay's store: membership and revocation records. */
  readonly members: ProxyMembers;
  readonly estimateCost?: LlmProxyDeps['estimateCost'];
}

export function proxyRoute(config: LlmProxyConfig, o: ProxyRouteOptions): HttpRoute {
  return createLlmProxy(config, {
    members: o.members,
    clock: { now: () => Date.now(), setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) },
    logger: { info: (event, fields) => o.logger.info(event, fields), warn: (event, fields) => o.logger.warn(event, fields) },
    onUsage: (r) => o.logger.info('proxy.usage', { workspace: r.workspace, device: r.device, provider: r.provider, model: r.model, inputTokens: r.inputTokens, outputTokens: r.outputTokens, costUsd: r.costUsd ?? 'unknown', estimated: r.estimated, at: r.at }),
    ...(o.estimateCost ? { estimateCost: o.estimateCost } : {}),
  });
}
