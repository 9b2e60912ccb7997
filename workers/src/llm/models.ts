/**
 * What is known about models by name: lookup in per-model tables by name
 * prefix (names come with router prefixes like "openai/gpt-4o", dates like
 * "claude-3-5-haiku-20241022" and tags like "llama3.1:8b", so the longest
 * table key that starts the bare name wins), context window sizes (input plus
 * output tokens), and a rough token count (about four characters a token,
 * used only to decide what history to keep; inject a real tokenizer where
 * precision matters).
 */

export { lookupModel, modelKey } from '@tendril/sync-server/pricing';
import { lookupModel } from '@tendril/sync-server/pricing';

export const CONTEXT_WINDOWS: Readonly<Record<string, number>> = {
  'gpt-4o': 128_000,
  'gpt-4.1': 1_047_576,
  'o3': 200_000,
  'o4-mini': 200_000,
  'claude-': 200_000,
  'gemini-2.5': 1_048_576,
  'gemini-2.0-flash': 1_048_576,
  'llama-3.1': 131_072,
  'llama-3.3': 131_072,
  'llama3': 8_192,
  'qwen2.5': 32_768,
  'mistral': 32_768,
};

/**
 * Whether a model takes images, by name prefix: true for the vision models of the common providers,
 * false for known text-only ones. A model in neither table is sent images (a provider that refuses
 * them says so on the reply).
 */
export const TAKES_IMAGES: Readonly<Record<string, boolean>> = {
  'gpt-4o': true,
  'gpt-4.1': true,
  'gpt-5': true,
  'o1': true,
  'o3': true,
  'o4-mini': true,
  'gpt-3.5': false,
  'claude-': true,
  'claude-2': false,
  'claude-instant': false,
  'gemini-': true,
  'llava': true,
  'llama3.2-vision': true,
  'llama-3.2-11b-vision': true,
  'qwen2.5-vl': true,
  'llama3': false,
  'llama-3': false,
  'qwen2.5': false,
  'mistral': false,
  'mixtral': false,
  'deepseek': false,
};

/** False only for a model known to take no images. */
export function takesImages(model: string): boolean {
  return lookupModel(TAKES_IMAGES, model) ?? true;
}

/** Assumed for models not in the table: small enough to be safe almost anywhere. */
export const DEFAULT_CONTEXT_WINDOW = 8_192;

/** The model's context window in tokens, or null when unknown. */
export function contextWindow(model: string): number | null {
  return lookupModel(CONTEXT_WINDOWS, model) ?? null;
}

/** About four characters a token, rounded up, plus a few tokens of message framing. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4) + 4;
}
