/**
 * Usage and cost: the records a chat holds and their totals, shared by the
 * app (`@tendril/workers/usage`) and `tendril usage`.
 */
export { chatUsage, messageUsage, NO_AGENT, ROUTER_AGENT, UNKNOWN_MODEL, USAGE_KINDS, type UsageKind, type UsageRecord } from './usage-records.ts';
export { costWith, describeSum, formatUsd, parsePeriod, providerOf, usageReport, utcDay, ZERO, type UsageOptions, type UsageReport, type UsageRow, type UsageSum } from './usage-totals.ts';
export { PRICES, type Price } from '../llm/pricing.ts';
export { periodStarts, promptCost, raiseHint, spendAlerts, spendRefusal, spendStatus, WARN_AT, type SpendAlert, type SpendPeriod, type SpendStatus } from './spend-limits.ts';
