/**
 * List prices of common hosted models in USD per million tokens, for cost
 * estimates shown to the user and counted by the relay proxy. Prices change:
 * this is an estimate, not a bill. Unknown and local models cost null.
 */
import { lookupModel } from './models.ts';
import type { Usage } from './types.ts';

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
};

export function priceOf(model: string, table: Readonly<Record<string, Price>> = PRICES): Price | null {
  return lookupModel(table, model) ?? null;
}

/** Estimated cost in USD, or null when the model's price is unknown. */
export function estimateCost(model: string, usage: Usage, table: Readonly<Record<string, Price>> = PRICES): number | null {
  const price = priceOf(model, table);
  if (price === null) return null;
  return (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000;
}
