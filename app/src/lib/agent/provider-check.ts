/**
 * "Test provider": one short prompt sent the way this tab's agent would send
 * it (agentRoute: directly, or through the relay's proxy), with the same
 * adapter, so a passing test means chat turns will work from here. When the
 * tab cannot reach the provider, the test says so and why: then only a
 * worker (which calls providers from its own machine) can answer with it.
 */
import type { ProviderKind } from '@tendril/crdt-schema/schema';
import { createProvider, type LlmDeps } from '@tendril/workers/agent-core';
import { agentRoute, type AgentRoute } from './agent-route.ts';
import type { ConnectPolicy } from './connect-policy.ts';

export interface CheckTarget {
  readonly id: string;
  readonly kind: ProviderKind;
  readonly model: string;
  readonly baseUrl?: string;
  readonly apiKey?: string;
}

/** How the test (and the agent in this tab) reaches the provider, in words. */
export function describeRoute(route: AgentRoute): string {
  if (route.via === 'proxy') return "through the relay's proxy";
  if (route.via === 'direct') return `directly from this tab to ${new URL(route.baseUrl).origin}`;
  return 'only from a worker: this tab cannot call it';
}

/** The route the agent in this tab would take; stream the test prompt with `run`. */
/** `proxyFetch` (signed by this device) is used when the route goes through the relay's proxy. */
export function checkProvider(t: CheckTarget, policy: ConnectPolicy, pageOrigin: string, deps: Partial<LlmDeps> = {}, proxyFetch?: typeof fetch) {
  const route = agentRoute({ kind: t.kind, ...(t.baseUrl ? { baseUrl: t.baseUrl } : {}) }, policy, pageOrigin);
  return {
    route,
    /** Yields the answer's text as it streams; throws the provider's (or the proxy's) error. */
    async *run(prompt: string, signal?: AbortSignal): AsyncGenerator<string> {
      if (route.via === 'none') throw new Error(route.reason);
      const provider = createProvider({ kind: t.kind, id: t.id, baseUrl: route.baseUrl, model: t.model, ...(route.headers ? { headers: route.headers } : {}), ...(t.apiKey ? { apiKey: t.apiKey } : {}) }, route.via === 'proxy' && proxyFetch ? { ...deps, fetch: proxyFetch } : deps, { policy: { maxAttempts: 1 } });
      for await (const e of provider.stream({ model: t.model, maxTokens: 256, messages: [{ role: 'user', content: prompt }] }, signal ? { signal } : {})) {
        if (e.type === 'text') yield e.text;
      }
    },
  };
}
