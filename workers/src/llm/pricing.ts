/**
 * List prices of common hosted models (USD per million tokens) and cost
 * estimates: the table lives with the relay's LLM proxy, which counts the same
 * costs (sync-server/src/proxy/pricing.ts).
 */
export { estimateCost, priceOf, PRICES, type Price } from '@tendril/sync-server/pricing';
