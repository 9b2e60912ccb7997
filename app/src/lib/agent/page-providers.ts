/**
 * The provider chain an open tab answers with: the workspace's enabled
 * providers (the default model first, then the others as fallbacks, as a
 * worker orders them), each reached the way agentRoute says. Providers this
 * tab cannot reach are left out; when none is left the reasons are returned,
 * to be shown on the reply if no worker takes the turn. Providers reached
 * through the relay's proxy call it with `proxyFetch` (signed by this device).
 * `prefer` (an agent's or the router's model) goes first in place of the
 * default model.
 */
import type { ModelRef, SettingsDoc } from '@tendril/crdt-schema/schema';
import { createProvider, fallbackChain, type LlmDeps, type RunnerChoice } from '@tendril/workers/agent-core';
import { agentRoute } from './agent-route.ts';
import type { ConnectPolicy } from './connect-policy.ts';

export function pageProviders(settings: SettingsDoc, policy: ConnectPolicy, pageOrigin: string, deps: Partial<LlmDeps> = {}, proxyFetch?: typeof fetch, prefer?: ModelRef): RunnerChoice {
  const enabled = settings.providers().filter((p) => p.enabled && (p.kind === 'ollama' || p.hasApiKey));
  if (enabled.length === 0) return null;
  const preferred = prefer ?? settings.defaultModel();
  const ordered = [...enabled].sort((a, b) => Number(b.id === preferred?.provider) - Number(a.id === preferred?.provider));
  const reasons: string[] = [];
  const entries = ordered.flatMap((p) => {
    const model = p.id === preferred?.provider ? preferred.model : p.models[0];
    if (!model) return [];
    const route = agentRoute({ kind: p.kind, ...(p.baseUrl ? { baseUrl: p.baseUrl } : {}) }, policy, pageOrigin);
    if (route.via === 'none') {
      reasons.push(route.reason);
      return [];
    }
    const apiKey = settings.getApiKey(p.id);
    const provider = createProvider({ kind: p.kind, id: p.id, baseUrl: route.baseUrl, ...(route.headers ? { headers: route.headers } : {}), ...(apiKey ? { apiKey } : {}), model }, route.via === 'proxy' && proxyFetch ? { ...deps, fetch: proxyFetch } : deps);
    return [{ provider, model }];
  });
  if (entries.length === 0) return reasons.length > 0 ? { error: reasons.join('; then ') } : null;
  return { provider: entries.length === 1 ? entries[0]!.provider : fallbackChain(entries), model: entries[0]!.model };
}
