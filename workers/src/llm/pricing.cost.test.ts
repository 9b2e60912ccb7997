/** Prices and context windows: lookup by longest name prefix through router prefixes and date suffixes; unknown models cost null. */
import { describe, expect, it } from 'vitest';
import { contextWindow, DEFAULT_CONTEXT_WINDOW } from './models.ts';
import { estimateCost, priceOf } from './pricing.ts';

describe('pricing', () => {
  it('estimates USD from per-million prices', () => {
    expect(estimateCost('gpt-4o', { inputTokens: 1_000_000, outputTokens: 100_000 })).toBeCloseTo(3.5, 10);
    expect(estimateCost('claude-sonnet-4-20250514', { inputTokens: 2000, outputTokens: 500 })).toBeCloseTo(0.0135, 10);
    // Embeddings: input only.
    expect(estimateCost('text-embedding-3-small', { inputTokens: 1_000_000, outputTokens: 0 })).toBeCloseTo(0.02, 10);
    expect(estimateCost('models/gemini-embedding-001', { inputTokens: 2_000_000, outputTokens: 0 })).toBeCloseTo(0.3, 10);
  });

  it('picks the longest matching prefix, ignoring case and router prefixes', () => {
    expect(priceOf('gpt-4o-mini-2024-07-18')).toEqual({ input: 0.15, output: 0.6 });
    expect(priceOf('openai/GPT-4o')).toEqual({ input: 2.5, output: 10 });
    expect(priceOf('gpt-4.1-nano')).toEqual({ input: 0.1, output: 0.4 });
  });

  it('returns null for unknown and local models', () => {
    expect(estimateCost('llama3.1:8b', { inputTokens: 10, outputTokens: 10 })).toBeNull();
    expect(estimateCost('my-finetune', { inputTokens: 10, outputTokens: 10 })).toBeNull();
  });

  it('accepts a custom price table', () => {
    expect(estimateCost('local', { inputTokens: 500_000, outputTokens: 0 }, { local: { input: 2, output: 0 } })).toBe(1);
  });
});

describe('context windows', () => {
  it('knows common models and returns null for unknown ones', () => {
    expect(contextWindow('gpt-4o-mini')).toBe(128_000);
    expect(contextWindow('claude-3-5-haiku-20241022')).toBe(200_000);
    expect(contextWindow('models/gemini-2.5-flash')).toBe(1_048_576);
    expect(contextWindow('something-new')).toBeNull();
    expect(DEFAULT_CONTEXT_WINDOW).toBeGreaterThan(0);
  });
});
