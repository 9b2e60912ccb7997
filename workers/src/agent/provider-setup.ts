/**
 * Which model provider a worker calls: from command-line flags, or from the
 * workspace's encrypted settings (the default model first, then every other
 * enabled provider as a fallback chain). API keys come from the settings
 * document or from an environment variable named by a flag; they are handed
 * to the adapter and to nothing else. Every adapter is wrapped in the retry
 * policy (retry.ts): a rate limit or a provider failure before any output is
 * tried again with backoff, within the one attempt at a turn.
 */
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { ModelRef, settingsDoc } from '@tendril/crdt-schema/schema';
import {
  createAnthropicProvider, createGeminiProvider, createOpenAiProvider, fallbackChain, withRetry, type LlmDeps, type LlmProvider, type RetryHooks, type RetryPolicy,
} from '../llm/index.ts';
import { createEmbedder, type Embedder } from '../llm/embeddings.ts';

export const PROVIDER_KINDS = ['openai', 'anthropic', 'gemini', 'ollama'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

export interface ProviderSpec {
  readonly kind: ProviderKind;
  readonly id?: string;
  readonly baseUrl?: string;
  readonly apiKey?: string;
  readonly model: string;
  /** Extra request headers (e.g. Anthropic's opt-in for calls from a web page). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ChosenProvider {
  readonly provider: LlmProvider;
  readonly model: string;
}

const DEFAULT_BASE: Partial<Record<ProviderKind, string>> = { openai: 'https://api.openai.com/v1', ollama: 'http://127.0.0.1:11434/v1' };

/** How transient provider errors are retried within one attempt: the policy (default DEFAULT_RETRY) and a hook for logs. */
export interface RetrySetup {
  readonly policy?: Partial<RetryPolicy>;
  readonly hooks?: RetryHooks;
}

function adapter(spec: ProviderSpec, deps: Partial<LlmDeps>): LlmProvider {
  const id = spec.id ?? spec.kind;
  const headers = spec.headers ? { headers: spec.headers } : {};
  switch (spec.kind) {
    case 'openai':
    case 'ollama':
      return createOpenAiProvider({ id, baseUrl: spec.baseUrl ?? DEFAULT_BASE[spec.kind]!, apiKey: spec.apiKey ?? '', ...headers }, deps);
    case 'anthropic':
      return createAnthropicProvider({ id, apiKey: spec.apiKey ?? '', ...headers, ...(spec.baseUrl ? { baseUrl: spec.baseUrl } : {}) }, deps);
    case 'gemini':
      return createGeminiProvider({ id, apiKey: spec.apiKey ?? '', ...headers, ...(spec.baseUrl ? { baseUrl: spec.baseUrl } : {}) }, deps);
  }
}

/** The adapter for `spec`, retrying transient failures (429, 5xx, network) before any output. */
export function createProvider(spec: ProviderSpec, deps: Partial<LlmDeps> = {}, retry: RetrySetup = {}): LlmProvider {
  return withRetry(adapter(spec, deps), retry.policy, deps, retry.hooks);
}

/**
 * The provider chain configured in the settings document, or null when none is usable. `prefer` (an
 * agent's or the router's model) goes first in place of the default model when its provider is usable.
 */
export function providerFromSettings(settings: ReturnType<typeof settingsDoc>, deps: Partial<LlmDeps> = {}, retry: RetrySetup = {}, prefer?: ModelRef): ChosenProvider | null {
  const enabled = settings.providers().filter((p) => p.enabled && (p.kind === 'ollama' || p.hasApiKey));
  if (enabled.length === 0) return null;
  const preferred = prefer ?? settings.defaultModel();
  const ordered = [...enabled].sort((a, b) => Number(b.id === preferred?.provider) - Number(a.id === preferred?.provider));
  const entries = ordered.flatMap((p) => {
    const model = p.id === preferred?.provider ? preferred.model : p.models[0];
    if (!model) return [];
    const apiKey = settings.getApiKey(p.id);
    return [{ provider: createProvider({ kind: p.kind, id: p.id, ...(p.baseUrl ? { baseUrl: p.baseUrl } : {}), ...(apiKey ? { apiKey } : {}), model }, deps, retry), model }];
  });
  if (entries.length === 0) return null;
  return { provider: entries.length === 1 ? entries[0]!.provider : fallbackChain(entries), model: entries[0]!.model };
}

export function parseProviderKind(text: string): ProviderKind {
  if (!(PROVIDER_KINDS as readonly string[]).includes(text)) throw new TendrilError('E_BAD_INPUT', `--provider must be one of ${PROVIDER_KINDS.join(', ')}`);
  return text as ProviderKind;
}

/**
 * The embedding model the settings name for memory recall, or undefined when none is set, its
 * provider is missing, disabled, keyless or cannot embed (Anthropic has no embeddings API).
 */
export function embedderFromSettings(settings: ReturnType<typeof settingsDoc>, deps: Partial<LlmDeps> = {}): Embedder | undefined {
  const ref = settings.embeddingModel();
  const p = ref && settings.providers().find((x) => x.id === ref.provider);
  if (!ref || !p || !p.enabled || p.kind === 'anthropic' || (p.kind !== 'ollama' && !p.hasApiKey)) return undefined;
  const apiKey = settings.getApiKey(p.id);
  return createEmbedder({ kind: p.kind, id: p.id, model: ref.model, ...(p.baseUrl ? { baseUrl: p.baseUrl } : {}), ...(apiKey ? { apiKey } : {}) }, deps);
}
