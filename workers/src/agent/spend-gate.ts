/**
 * The spending-limit check both runners (a tab's TurnRunner and the agent
 * worker) make before every model call they start: before a turn (once before
 * routing, a router call costs too, with nothing but what was spent, and once
 * the model and the prompt are known, with the prompt's estimated cost added),
 * before each sub-agent hop (a tool call or a plan's hand-off step), and before
 * a scheduled playbook run is written. What was spent is counted from every
 * chat of the workspace, deleted ones included (spend-chats.ts), with the
 * user's prices, as the Usage page counts it.
 */
import type { ChatId } from '@tendril/crdt-schema/ids';
import type { ChatDoc, SettingsDoc } from '@tendril/crdt-schema/schema';
import { estimateTokens } from '../llm/models.ts';
import { chatUsage } from '../usage/usage-records.ts';
import { promptCost, spendRefusal, spendStatus } from '../usage/spend-limits.ts';

export interface SpendGateInput {
  readonly settings: SettingsDoc | null;
  readonly chats: Iterable<{ readonly id: ChatId; readonly chat: ChatDoc }>;
  readonly now: number;
}

/** The next model call: its model and prompt, for its estimated cost. */
export interface NextCall {
  readonly model: string;
  readonly messages: readonly { readonly content: string }[];
}

/** Checks the limits before a model call; resolves with the refusal (the limit named, and how to raise it), or undefined. */
export type SpendGate = (next?: NextCall) => Promise<string | undefined>;

/** Why the turn may not start (the limit named, and how to raise it), or undefined. */
export function spendCheck(i: SpendGateInput, next?: NextCall): string | undefined {
  const limits = i.settings?.spendLimits();
  if (!i.settings || !limits || (limits.dailyUsd === undefined && limits.monthlyUsd === undefined)) return undefined;
  const prices = i.settings.prices.list();
  const records = [];
  for (const c of i.chats) records.push(...chatUsage(c.id, c.chat.messageIds().map((id) => c.chat.message(id)!)));
  const status = spendStatus(records, { limits, prices, now: i.now });
  const nextUsd = next ? promptCost(next.model, next.messages.reduce((n, m) => n + estimateTokens(m.content), 0), prices) : 0;
  return spendRefusal(status, nextUsd);
}
