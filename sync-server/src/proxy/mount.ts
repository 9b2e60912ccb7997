/**
 * The proxy as programs mount it: configured from TENDRIL_PROXY_* variables
 * and --proxy-* flags (proxyConfigFromEnv, proxyOpsFromEnv), on the real
 * clock, checking callers against the relay's own store, with one
 * `proxy.usage` line per request (never a key) in the relay's log. Around it,
 * what the operator runs it with: the kill switch (kill file and, given an
 * operator key, the signed admin routes), the proxy's /metrics series and the
 * daily cost alert.
 */
import type { Logger } from '../server/logger.ts';
import type { HttpRoute } from '../server/http-routes.ts';
import type { MetricsRegistry } from '../server/prometheus.ts';
import { createProxyAdmin } from './admin.ts';
import type { LlmProxyConfig } from './config.ts';
import type { ProxyMembers } from './caller.ts';
import { createCostAlert } from './cost-alert.ts';
import { createKillSwitch, type KillSwitch } from './kill-switch.ts';
import { createProxyMetrics } from './proxy-metrics.ts';
import { createLlmProxy, type LlmProxyDeps } from './proxy.ts';
import type { ProxyClock } from './upstream.ts';

export interface ProxyRouteOptions {
  readonly logger: Logger;
  /** The relay's store: membership and revocation records. */
  readonly members: ProxyMembers;
  readonly estimateCost?: LlmProxyDeps['estimateCost'];
  /** The run-time kill switch (the program re-reads the kill file into it); default one of its own. */
  readonly kill?: KillSwitch;
  /** Where the proxy's series go (the relay's /metrics registry). */
  readonly metrics?: MetricsRegistry;
  /** The operator's Ed25519 public key: mounts POST /v1/proxy/admin/kill and /revive. */
  readonly operatorKey?: Uint8Array;
  readonly costAlert?: { readonly thresholdUsd: number; readonly webhook: string };
}

/** Real time; the cost alert's retry timer does not hold the process open. */
const systemClock: ProxyClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export function proxyRoute(config: LlmProxyConfig, o: ProxyRouteOptions): HttpRoute {
  const log = { info: (event: string, fields?: Parameters<Logger['info']>[1]) => o.logger.info(event, fields), warn: (event: string, fields?: Parameters<Logger['warn']>[1]) => o.logger.warn(event, fields) };
  const kill = o.kill ?? createKillSwitch();
  const metrics = o.metrics ? createProxyMetrics(o.metrics) : undefined;
  if (metrics) {
    metrics.killed(kill.state());
    kill.onChange((s) => metrics.killed(s));
  }
  const alert = o.costAlert ? createCostAlert({ ...o.costAlert, clock: systemClock, log }) : undefined;
  const proxy = createLlmProxy(config, {
    members: o.members,
    clock: systemClock,
    logger: log,
    isDisabled: (p) => kill.isOff(p),
    killSignal: (p) => kill.signal(p),
    onRequest: (e) => {
      metrics?.observe(e);
      if (e.costUsd !== null) alert?.add(e.costUsd, e.at);
    },
    ...(o.estimateCost ? { estimateCost: o.estimateCost } : {}),
  });
  const admin = o.operatorKey ? createProxyAdmin({ operatorKey: o.operatorKey, kill, now: () => Date.now(), windowMs: config.proofWindowMs, log }) : undefined;
  return async (req, res) => (admin !== undefined && (await admin(req, res))) || proxy(req, res);
}
