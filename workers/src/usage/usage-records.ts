/**
 * The usage a chat records, as flat records: every model call whose tokens
 * and cost were written into the chat (a reply, the router call that chose its
 * agent, each sub-agent hop). Every message counts, including earlier versions
 * of an edited turn: each was a call that was paid for. The records are what
 * the usage totals add up (usage-totals.ts), in the app and in `tendril usage`.
 */
import type { ChatId, MessageId } from '@tendril/crdt-schema/ids';
import type { ChatMessage, Usage } from '@tendril/crdt-schema/schema';

export const USAGE_KINDS = ['reply', 'route', 'hop'] as const;
export type UsageKind = (typeof USAGE_KINDS)[number];

/** The agent key of a router call, which no agent made. */
export const ROUTER_AGENT = '(router)';
/** The agent key of a reply written before agents existed. */
export const NO_AGENT = '(none)';
/** The model key of a call whose model was not recorded. */
export const UNKNOWN_MODEL = '(unknown)';

export interface UsageRecord {
  readonly chat: ChatId;
  readonly message: MessageId;
  readonly kind: UsageKind;
  /** When the call's message was written (ms since the epoch). */
  readonly at: number;
  readonly model: string;
  readonly agent: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** The cost the runner recorded, from the shipped price table (0 for a model it has no price for). */
  readonly costUsd: number;
}

const record = (chat: ChatId, m: ChatMessage, kind: UsageKind, model: string | undefined, agent: string, u: Usage): UsageRecord => ({
  chat, message: m.id, kind, at: m.createdAt, model: model ?? UNKNOWN_MODEL, agent,
  inputTokens: u.inputTokens, outputTokens: u.outputTokens, costUsd: u.costUsd,
});

/** The usage records of one message (empty for a message with none). */
export function messageUsage(chat: ChatId, m: ChatMessage): UsageRecord[] {
  const out: UsageRecord[] = [];
  if (m.route?.usage) out.push(record(chat, m, 'route', m.route.model, ROUTER_AGENT, m.route.usage));
  for (const h of m.hops ?? []) if (h.usage) out.push(record(chat, m, 'hop', h.model, h.name, h.usage));
  if (m.usage) out.push(record(chat, m, 'reply', m.model, m.agent?.name ?? NO_AGENT, m.usage));
  return out;
}

/** The usage records of a chat's messages, all versions and branches. */
export function chatUsage(chat: ChatId, messages: Iterable<ChatMessage>): UsageRecord[] {
  const out: UsageRecord[] = [];
  for (const m of messages) out.push(...messageUsage(chat, m));
  return out;
}
