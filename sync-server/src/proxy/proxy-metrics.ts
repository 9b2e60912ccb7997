/**
 * The proxy's series in the relay's /metrics: requests by provider and
 * status, latency (first byte and total), tokens and estimated cost by
 * provider and model, refusals by the proxy's own limits, and which kill
 * switches are on. Label values come from the caller's request only through
 * the model name, so those are bounded: a model with a price keeps its price
 * table name, the first `maxModels` other names are kept as sent (cut to 64
 * characters), and every later one is counted as `other`.
 */
import type { Counter, Gauge, Histogram, MetricsRegistry } from '../server/prometheus.ts';
import { PROXY_PROVIDERS } from './config.ts';
import type { KillState } from './kill-switch.ts';
import { lookupKey, modelKey, PRICES } from './pricing.ts';
import type { ProxyRequestEvent } from './request-event.ts';

/** Every series the proxy exports (the Grafana dashboard test checks its queries against these). */
export const PROXY_METRIC_NAMES = {
  requests: 'tendril_proxy_requests_total',
  seconds: 'tendril_proxy_request_seconds',
  firstByteSeconds: 'tendril_proxy_first_byte_seconds',
  tokens: 'tendril_proxy_tokens_total',
  cost: 'tendril_proxy_cost_usd_total',
  limitRefusals: 'tendril_proxy_limit_refusals_total',
  killed: 'tendril_proxy_killed',
} as const;

const SECONDS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** Distinct unpriced model names kept as labels before the rest fold into `other`. */
export const DEFAULT_MAX_MODELS = 50;

/** Which limit a 429 of the proxy's own came from. */
const LIMIT_KIND: Partial<Record<NonNullable<ProxyRequestEvent['error']>, string>> = {
  E_PROXY_RATE_LIMITED: 'rate',
  E_QUOTA: 'tokens',
  E_PROXY_CONCURRENCY: 'concurrency',
};

export interface ProxyMetrics {
  observe(e: ProxyRequestEvent): void;
  killed(state: KillState): void;
}

export function createProxyMetrics(r: MetricsRegistry, maxModels = DEFAULT_MAX_MODELS): ProxyMetrics {
  const n = PROXY_METRIC_NAMES;
  const requests: Counter = r.counter(n.requests, 'Requests to the LLM proxy, by provider and HTTP status sent (0: the caller went away first).');
  const seconds: Histogram = r.histogram(n.seconds, 'Whole proxied request time, arrival to last byte, by provider.', SECONDS_BUCKETS);
  const firstByte: Histogram = r.histogram(n.firstByteSeconds, 'Time from arrival to the upstream response headers, by provider.', SECONDS_BUCKETS);
  const tokens: Counter = r.counter(n.tokens, 'Tokens of answered requests, by provider, model and direction (input, output).');
  const cost: Counter = r.counter(n.cost, 'Estimated cost in USD of answered requests with a known price, by provider and model.');
  const refusals: Counter = r.counter(n.limitRefusals, "Requests refused by the proxy's own limits, by kind (rate, tokens, concurrency) and scope (device, workspace, nonces).");
  const killed: Gauge = r.gauge(n.killed, 'Kill switch state by provider (1: switched off, answered 503).');
  const seen = new Set<string>();
  const modelLabel = (model: string | null): string => {
    if (model === null) return 'none';
    const priced = lookupKey(PRICES, model);
    if (priced) return priced;
    const name = modelKey(model).slice(0, 64);
    if (seen.has(name)) return name;
    if (seen.size >= maxModels) return 'other';
    seen.add(name);
    return name;
  };
  // Bounded too: three-digit statuses only, anything else is `other`.
  const statusLabel = (status: number): string => (status === 0 || (status >= 100 && status <= 599) ? String(status) : 'other');
  const state = (s: KillState): void => {
    for (const p of [...PROXY_PROVIDERS, 'fetch' as const]) killed.set(s.off.includes(p) ? 1 : 0, { provider: p });
  };
  state({ off: [], file: [], admin: [] });
  return {
    observe(e) {
      const provider = e.provider;
      requests.inc({ provider, status: statusLabel(e.status) });
      seconds.observe(e.totalMs / 1000, { provider });
      if (e.firstByteMs !== null) firstByte.observe(e.firstByteMs / 1000, { provider });
      const kind = e.status === 429 && e.error ? LIMIT_KIND[e.error] : undefined;
      if (kind) refusals.inc({ kind, scope: e.limitScope ?? 'unknown' });
      if (e.inputTokens + e.outputTokens > 0 || e.costUsd !== null) {
        const model = modelLabel(e.model);
        tokens.inc({ provider, model, direction: 'input' }, e.inputTokens);
        tokens.inc({ provider, model, direction: 'output' }, e.outputTokens);
        if (e.costUsd !== null) cost.inc({ provider, model }, e.costUsd);
      }
    },
    killed: state,
  };
}
