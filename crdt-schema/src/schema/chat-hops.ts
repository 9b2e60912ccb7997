/**
 * Sub-agent hops on a reply: each time an agent hands a sub-task to another
 * agent (the `delegate` tool), the hop is recorded on the reply of the turn,
 * in the order hops began: which agent took it, how deep, the task, and when
 * it ended its model, tokens and cost and the answer it gave back (or why it
 * was refused or failed). The transcript shows them folded above the reply.
 * Written by the peer that holds the turn; read with bounds like the rest of
 * a message (a member writes the chat, so nothing here is trusted blindly).
 */
import * as Y from 'yjs';
import { parseAgentId, type AgentId } from '../ids.ts';
import { badInput, checkEnum, checkOptionalText, checkText, isRecord } from './fields.ts';
import { isUsage, usageLatency, type Usage } from './chat-message.ts';
import { checkAgentName } from './settings-agents.ts';

export const HOP_STATUSES = ['running', 'done', 'refused', 'error'] as const;
export type HopStatus = (typeof HOP_STATUSES)[number];

export interface Hop {
  /** The agent the task was handed to, and its name then. */
  readonly agent: AgentId;
  readonly name: string;
  /** The agent that handed it over. */
  readonly from: string;
  /** 1 for a hop from the turn's agent, 2 for one from that sub-agent, and so on. */
  readonly depth: number;
  readonly task: string;
  readonly status: HopStatus;
  /** What the sub-agent answered, or why the hop was refused or failed. */
  readonly result: string;
  readonly model?: string;
  readonly usage?: Usage;
}

export const MAX_HOP_TASK = 8_000;
export const MAX_HOP_RESULT = 24_000;
/** Hops kept per reply: the delegation budget stops far below this; a writer cannot grow a reply without bound. */
export const MAX_HOPS = 200;

const text = (v: unknown, max: number): string => (typeof v === 'string' ? v.slice(0, max) : '');

export function readHop(v: unknown): Hop | undefined {
  if (!isRecord(v) || typeof v.agent !== 'string' || typeof v.name !== 'string' || v.name === '') return undefined;
  const status = (HOP_STATUSES as readonly unknown[]).includes(v.status) ? (v.status as HopStatus) : undefined;
  const depth = typeof v.depth === 'number' && Number.isInteger(v.depth) && v.depth >= 1 && v.depth <= 100 ? v.depth : undefined;
  if (status === undefined || depth === undefined) return undefined;
  const model = text(v.model, 200);
  const usage = isUsage(v.usage) ? { inputTokens: v.usage.inputTokens, outputTokens: v.usage.outputTokens, costUsd: v.usage.costUsd, ...usageLatency(v.usage) } : undefined;
  return {
    agent: v.agent.slice(0, 100) as AgentId, name: v.name.slice(0, 40), from: text(v.from, 40), depth,
    task: text(v.task, MAX_HOP_TASK), status, result: text(v.result, MAX_HOP_RESULT),
    ...(model ? { model } : {}), ...(usage ? { usage } : {}),
  };
}

/** The hops stored under a message's key (a Y.Array of plain records); malformed entries are skipped. */
export function readHops(v: unknown): Hop[] | undefined {
  if (!(v instanceof Y.Array)) return undefined;
  const out = (v.toArray() as unknown[]).slice(0, MAX_HOPS).map(readHop).filter((h): h is Hop => h !== undefined);
  return out.length > 0 ? out : undefined;
}

/** A hop as it may be written: every field checked. */
export function checkHop(h: Hop): Record<string, unknown> {
  if (!Number.isInteger(h.depth) || h.depth < 1 || h.depth > 100) badInput('hop depth is a whole number from 1');
  if (h.usage !== undefined && !isUsage(h.usage)) badInput('bad hop usage');
  return {
    agent: parseAgentId(h.agent),
    name: checkAgentName(h.name),
    from: checkOptionalText(h.from, 'from', 40),
    depth: h.depth,
    task: checkOptionalText(h.task.slice(0, MAX_HOP_TASK), 'task', MAX_HOP_TASK),
    status: checkEnum(h.status, 'status', HOP_STATUSES),
    result: checkOptionalText(h.result.slice(0, MAX_HOP_RESULT), 'result', MAX_HOP_RESULT),
    ...(h.model !== undefined ? { model: checkText(h.model, 'model', 200) } : {}),
    ...(h.usage !== undefined ? { usage: { inputTokens: h.usage.inputTokens, outputTokens: h.usage.outputTokens, costUsd: h.usage.costUsd, ...usageLatency(h.usage) } } : {}),
  };
}
