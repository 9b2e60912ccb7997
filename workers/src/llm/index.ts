/**
 * Model provider adapters for workers: one streaming interface over
 * OpenAI-compatible, Anthropic and Gemini APIs, with deadlines, retries, a
 * fallback chain, prices, context windows and history fitting.
 */
export type { ChatMessage, FinishReason, ImagePart, LlmEvent, LlmProvider, LlmRequest, StreamOptions, ToolCall, ToolSpec, Usage } from './types.ts';
export { collect, isOutput } from './types.ts';
export { createOpenAiProvider, openAiAssembler, type OpenAiConfig } from './openai.ts';
export { OPENAI_COMPATIBLE, openAiBody } from './openai-wire.ts';
export { createAnthropicProvider, anthropicAssembler, type AnthropicConfig } from './anthropic.ts';
export { ANTHROPIC_BASE_URL, ANTHROPIC_DEFAULT_MAX_TOKENS, ANTHROPIC_VERSION, anthropicBody } from './anthropic-wire.ts';
export { createGeminiProvider, geminiAssembler, type GeminiConfig } from './gemini.ts';
export { GEMINI_BASE_URL, geminiBody } from './gemini-wire.ts';
export { DEFAULT_RETRY, retryDelay, withRetry, type RetryHooks, type RetryPolicy } from './retry.ts';
export { fallbackChain, type FallbackEntry, type FallbackHooks } from './fallback.ts';
export { DEFAULT_TIMEOUTS, resolveDeps, systemTimers, type LlmDeps, type Timeouts, type Timers } from './deps.ts';
export { isLlmError, LlmError, parseRetryAfter, redact, type LlmErrorCode } from './llm-error.ts';
export { createSseDecoder, readSse, type SseDecoder, type SseEvent } from './sse.ts';
export { estimateCost, priceOf, PRICES, type Price } from './pricing.ts';
export { CONTEXT_WINDOWS, contextWindow, DEFAULT_CONTEXT_WINDOW, estimateTokens, TAKES_IMAGES, takesImages } from './models.ts';
export { fitHistory, SUMMARY_PREFIX, type FitOptions, type FitResult } from './fit-history.ts';
