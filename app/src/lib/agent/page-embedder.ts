/**
 * The embedding model an open tab recalls agents' memory with: the one the
 * settings name, reached as a chat provider is (agentRoute): through the
 * relay's proxy for OpenAI's and Gemini's public APIs (`/v1/proxy/embeddings`,
 * `/v1/proxy/gemini/.../:batchEmbedContents`, signed by this device),
 * directly where the page's content policy allows, else not at all (recall
 * is then by words, and the agent is told so).
 */
import type { SettingsDoc } from '@tendril/crdt-schema/schema';
import { createEmbedder, type Embedder } from '@tendril/workers/agent-core';
import { agentRoute } from './agent-route.ts';
import type { ConnectPolicy } from './connect-policy.ts';

export function pageEmbedder(settings: SettingsDoc, policy: ConnectPolicy, pageOrigin: string, proxyFetch?: typeof fetch): Embedder | undefined {
  const ref = settings.embeddingModel();
  const p = ref && settings.providers().find((x) => x.id === ref.provider);
  if (!ref || !p || !p.enabled || p.kind === 'anthropic' || (p.kind !== 'ollama' && !p.hasApiKey)) return undefined;
  const route = agentRoute({ kind: p.kind, ...(p.baseUrl ? { baseUrl: p.baseUrl } : {}) }, policy, pageOrigin);
  if (route.via === 'none') return undefined;
  const apiKey = settings.getApiKey(p.id);
  return createEmbedder(
    { kind: p.kind, id: p.id, model: ref.model, baseUrl: route.baseUrl, ...(apiKey ? { apiKey } : {}) },
    route.via === 'proxy' && proxyFetch ? { fetch: proxyFetch } : {},
  );
}
