/**
 * What a browser tab needs to answer chat turns itself: the turn runner (the
 * workers' claim / lease / settle protocol), the provider adapters (fetch
 * based), the retry and fallback wrappers, and the tools a tab may offer
 * (workspace search, web fetch, the agent's memory), the embeddings
 * client memory recall uses, and guest answering (the same claim protocol
 * and tool allow-list as a worker's). The app imports it as `@tendril/workers/agent-core`.
 * Everything here runs in a page; the one Node import on the way (node:path,
 * in the access gate, for folder grants) is stubbed by the bundler and never
 * reached from a page, which offers no folder tool.
 */
export { TurnRunner, type RunnerChat, type RunnerChoice, type TurnRunnerOptions } from './turn-runner.ts';
export { CONTINUE_NOTE, INTERRUPTED } from './turn-ending.ts';
export { mentionedAgent, parseRouterAnswer, routerPrompt, routeTurn, type RouterModel, type Routed, type RoutingInput } from './turn-routing.ts';
export { turnAgent, type ProviderChoice, type TurnAgent } from './turn-agent.ts';
export { createProvider, PROVIDER_KINDS, type ChosenProvider, type ProviderKind, type ProviderSpec } from './provider-setup.ts';
export { fallbackChain, withRetry, type LlmProvider, type LlmDeps } from '../llm/index.ts';
export type { Toolbox } from '../tools/tool.ts';
export { pageAgentTools, pagePlanTools, type PageToolsOptions } from '../tools/page-tools.ts';
export { createEmbedder, type Embedder, type EmbedderConfig } from '../llm/embeddings.ts';
export type { AgentMemoryAccess } from '../tools/memory-tools.ts';
export { EmbeddingCache } from '../tools/memory-recall.ts';
export { recallCacheStore, type RecallCacheStore } from '../tools/recall-cache-store.ts';
export type { PlanKit } from './plan-run.ts';
export { parseCron } from '../plugins/cron.ts';
export { writePlaybookRun } from './playbook-run.ts';
export { spendChats, type SpendChats } from '../usage/spend-chats.ts';
export { PROXY_FETCH_PATH, relayFetch, type RelayFetchOptions } from '../tools/relay-fetch.ts';
export { sessionChatAccess, type ChatAccess } from '../plugins/chat-access.ts';
export { chatFingerprint, MessageIndex, type IndexedMessage, type MessageHit } from '../search/message-index.ts';
export { messageIndexStore, type MessageIndexStore } from '../search/message-index-store.ts';
export { startGuestAnswering, type GuestAnswering, type WorkerGuestsDeps } from '../guest/worker-guests.ts';
