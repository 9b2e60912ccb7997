/**
 * What a browser tab needs to answer chat turns itself: the turn runner (the
 * workers' claim / lease / settle protocol), the provider adapters (fetch
 * based), the retry and fallback wrappers. Everything exported here is
 * Node-free; the app imports it as `@tendril/workers/agent-core`.
 */
export { TurnRunner, CONTINUE_NOTE, INTERRUPTED, type RunnerChat, type RunnerChoice, type TurnRunnerOptions } from './turn-runner.ts';
export { createProvider, PROVIDER_KINDS, type ChosenProvider, type ProviderKind, type ProviderSpec } from './provider-setup.ts';
export { fallbackChain, withRetry, type LlmProvider, type LlmDeps } from '../llm/index.ts';
