/**
 * List prices of common hosted models in USD per million tokens, for cost
 * estimates shown to the user and counted by the relay's LLM proxy. Prices
 * change: this is an estimate, not a bill. Unknown and local models cost null.
 * Model names are looked up by prefix (names come with router prefixes like
 * "openai/gpt-4o" and dates like "claude-3-5-haiku-20241022", so the longest
 * table key that starts the bare name wins). It lives with the relay so the
 * one relay program counts costs the same way wherever it is started; the
 * workers re-export it.
 */

/** The bare model name: lower case, without a router or "models/" prefix. */
export function modelKey(model: string): string {
  const bare = model.trim().toLowerCase();
  return bare.slice(bare.lastIndexOf('/') + 1);
}

/** The longest table key that starts the model's bare name, if any. */
export function lookupKey(table: Readonly<Record<string, unknown>>, model: string): string | undefined {
  const key = modelKey(model);
  let best: string | undefined;
  for (const k of Object.keys(table)) if (key.startsWith(k) && (best === undefined || k.length > best.length)) best = k;
  return best;
}

/** The entry whose key is the longest prefix of the model's bare name, if any. */
export function lookupModel<T>(table: Readonly<Record<string, T>>, model: string): T | undefined {
  const best = lookupKey(table, model);
  return best === undefined ? undefined : table[best];
}

export interface Price {
  /** USD per million input tokens. */
  readonly input: number;
  /** USD per million output tokens. */
  readonly output: number;
}

/** Standard-tier list prices (no batch or cache discounts), by model-name prefix. */
export const PRICES: Readonly<Record<string, Price>> = {
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'o3': { input: 2, output: 8 },
  'o4-mini': { input: 1.1, output: 4.4 },
  'claude-opus-4': { input: 15, output: 75 },
  'claude-sonnet-4': { input: 3, output: 15 },
  'claude-3-7-sonnet': { input: 3, output: 15 },
  'claude-3-5-sonnet': { input: 3, output: 15 },
  'claude-3-5-haiku': { input: 0.8, output: 4 },
  'gemini-2.5-pro': { input: 1.25, output: 10 },
  'gemini-2.5-flash': { input: 0.3, output: 2.5 },
  'gemini-2.0-flash': { input: 0.1, output: 0.4 },
  'llama-3.3-70b-versatile': { input: 0.59, output: 0.79 },
  'llama-3.1-8b-instant': { input: 0.05, output: 0.08 },
  // Embeddings bill input only.
  'text-embedding-3-small': { input: 0.02, output: 0 },
  'text-embedding-3-large': { input: 0.13, output: 0 },
  'gemini-embedding-001': { input: 0.15, output: 0 },
};

export function priceOf(model: string, table: Readonly<Record<string, Price>> = PRICES): Price | null {
  return lookupModel(table, model) ?? null;
}

/** Estimated cost in USD, or null when the model's price is unknown. */
export function estimateCost(model: string, usage: { readonly inputTokens: number; readonly outputTokens: number }, table: Readonly<Record<string, Price>> = PRICES): number | null {
  const price = priceOf(model, table);
  if (price === null) return null;
  return (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000;
}
