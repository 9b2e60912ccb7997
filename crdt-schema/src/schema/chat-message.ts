/**
 * A chat message as plain data, how it is read from its Y.Map, and the order
 * every peer sorts messages in. Messages sit in a Y.Map keyed by id (not one
 * ever-growing Y.Array), so "order by creation" is a sort on data every peer
 * has: creation time, then id.
 */
import * as Y from 'yjs';
import type { AgentId, DeviceId, MessageId } from '../ids.ts';
import { compareStrings, isRecord, readEnum, readNumber, readString, type YMap } from './fields.ts';
import { readHops, type Hop } from './chat-hops.ts';
import { readPlan, type Plan } from './chat-plan.ts';
import { readAttachments, type ChatAttachment } from './chat-attachments.ts';
import { MESSAGE } from './keys.ts';

export const MESSAGE_ROLES = ['user', 'assistant', 'system', 'tool'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

/** Where a message stands. */
export const MessageStatus = {
  /** Written, waiting for a worker (user turns) or for the first token (replies). */
  Pending: 'pending',
  /** Content is being appended. */
  Streaming: 'streaming',
  /** Complete. */
  Done: 'done',
  /** Cut short by a stop request. */
  Stopped: 'stopped',
  /** Failed; `error` says why. */
  Error: 'error',
} as const;
export type MessageStatus = (typeof MessageStatus)[keyof typeof MessageStatus];
export const MESSAGE_STATUSES: readonly MessageStatus[] = Object.values(MessageStatus);

/**
 * In a failed reply's error text, what separates the first failure from the
 * later ones (a fallback chain's providers, in the order they were tried).
 */
export const ERROR_THEN = '; then ';

export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number;
  /** Milliseconds from the request to the first streamed token, and to the end of the answer. */
  readonly firstTokenMs?: number;
  readonly totalMs?: number;
}

/** The latency fields of a usage record that are present and valid. */
export const usageLatency = (u: { firstTokenMs?: unknown; totalMs?: unknown }): { firstTokenMs?: number; totalMs?: number } => ({
  ...(typeof u.firstTokenMs === 'number' && u.firstTokenMs >= 0 ? { firstTokenMs: u.firstTokenMs } : {}),
  ...(typeof u.totalMs === 'number' && u.totalMs >= 0 ? { totalMs: u.totalMs } : {}),
});

/** The agent that wrote a reply, with its name when it wrote it (the agent may be renamed or removed later). */
export interface ReplyAgent {
  readonly id: AgentId;
  readonly name: string;
}

/**
 * How a turn's agent was chosen, when more than the chat's one agent was in play: the router model
 * picked it (`router`), the message named it (`mention`), or routing could not decide and the default
 * agent answered (`fallback`, the reason says why).
 */
export const ROUTE_VIAS = ['router', 'mention', 'fallback'] as const;
export type RouteVia = (typeof ROUTE_VIAS)[number];

export interface RouteNote {
  readonly agent: AgentId;
  readonly name: string;
  readonly via: RouteVia;
  readonly reason: string;
  /** The router's model and what its call used, when it was asked. */
  readonly model?: string;
  readonly usage?: Usage;
}

/** The note as one line of the transcript: "routed to Coder: asks to run the tests". */
export function describeRoute(r: RouteNote): string {
  switch (r.via) {
    case 'router': return `routed to ${r.name}: ${r.reason}`;
    case 'mention': return `routed to ${r.name}: ${r.reason}`;
    case 'fallback': return `answered by ${r.name} (the default agent): ${r.reason}`;
  }
}

export interface ChatMessage {
  readonly id: MessageId;
  readonly author: DeviceId;
  readonly role: MessageRole;
  readonly content: string;
  readonly status: MessageStatus;
  readonly error?: string;
  readonly model?: string;
  readonly usage?: Usage;
  readonly createdAt: number;
  /** Set on a message when an edit branched off it. */
  readonly editedAt?: number;
  /**
   * The message this one revises (same role: a new version of it) or answers
   * (a reply names the user turn it answers).
   */
  readonly parent?: MessageId;
  /** A new user turn: the message it was written after (the end of the branch shown then). */
  readonly follows?: MessageId;
  /** On the first version of a message: which of its versions is shown (default the newest). */
  readonly shown?: MessageId;
  /** A synced Stop button press: the streaming worker stops when it sees this. */
  readonly stopRequested?: { readonly by: DeviceId; readonly at: number };
  /**
   * A reply whose writer went away mid-answer and that another peer finished, from the text already
   * there: that peer (the latest, when it happened more than once). An optional field added to
   * schema 1 later: absent means the reply was written by one peer.
   */
  readonly continuedBy?: DeviceId;
  /** On a reply: the agent that wrote it. Optional, added to schema 1 later: absent on replies from before agents. */
  readonly agent?: ReplyAgent;
  /** On a reply: how its agent was chosen (routing), shown above it. Optional, added like `agent`. */
  readonly route?: RouteNote;
  /** On a reply: the sub-tasks its agent handed to other agents (chat-hops.ts). Optional, added like `agent`. */
  readonly hops?: readonly Hop[];
  /** On a user turn: answer it with a plan to approve (chat-plan.ts), whatever the chat's plan mode. */
  readonly planMode?: true;
  /** On a reply: the plan its agent proposed, with the user's decisions and each step's result. */
  readonly plan?: Plan;
  /** On a user turn: the files sent with it, as references to sealed blobs (chat-attachments.ts). Optional, added like `agent`. */
  readonly attachments?: readonly ChatAttachment[];
}

const readUsage = (v: unknown): Usage | undefined =>
  isUsage(v) ? { inputTokens: v.inputTokens, outputTokens: v.outputTokens, costUsd: v.costUsd, ...usageLatency(v) } : undefined;

const text = (v: unknown, max: number): string | undefined => (typeof v === 'string' && v.length > 0 ? v.slice(0, max) : undefined);

function readReplyAgent(v: unknown): ReplyAgent | undefined {
  if (!isRecord(v)) return undefined;
  const id = text(v.id, 100);
  const name = text(v.name, 40);
  return id !== undefined && name !== undefined ? { id: id as AgentId, name } : undefined;
}

function readRoute(v: unknown): RouteNote | undefined {
  if (!isRecord(v)) return undefined;
  const agent = readReplyAgent({ id: v.agent, name: v.name });
  const via = (ROUTE_VIAS as readonly unknown[]).includes(v.via) ? (v.via as RouteVia) : undefined;
  if (agent === undefined || via === undefined) return undefined;
  const model = text(v.model, 200);
  const usage = readUsage(v.usage);
  return { agent: agent.id, name: agent.name, via, reason: typeof v.reason === 'string' ? v.reason.slice(0, 500) : '', ...(model ? { model } : {}), ...(usage ? { usage } : {}) };
}

export function isUsage(v: unknown): v is Usage {
  if (!isRecord(v)) return false;
  const ok = (n: unknown): boolean => typeof n === 'number' && Number.isFinite(n) && n >= 0;
  return ok(v.inputTokens) && ok(v.outputTokens) && ok(v.costUsd);
}

/** The message's content as a Y.Text, or undefined when missing or malformed. */
export function contentOf(m: YMap): Y.Text | undefined {
  const v = m.get(MESSAGE.content);
  return v instanceof Y.Text ? v : undefined;
}

function attachmentsOf(m: YMap): { attachments?: ChatAttachment[] } {
  const attachments = readAttachments(m.get(MESSAGE.attachments));
  return attachments ? { attachments } : {};
}

export function readMessage(id: string, m: YMap): ChatMessage | undefined {
  const author = readString(m, MESSAGE.author);
  const role = readEnum(m, MESSAGE.role, MESSAGE_ROLES);
  const createdAt = readNumber(m, MESSAGE.createdAt);
  if (author === undefined || role === undefined || createdAt === undefined) return undefined;
  const usage = m.get(MESSAGE.usage);
  const stopBy = readString(m, MESSAGE.stopBy);
  const stopAt = readNumber(m, MESSAGE.stopAt);
  return {
    id: id as MessageId,
    author: author as DeviceId,
    role,
    content: contentOf(m)?.toString() ?? '',
    status: readEnum(m, MESSAGE.status, MESSAGE_STATUSES) ?? MessageStatus.Pending,
    error: readString(m, MESSAGE.error),
    model: readString(m, MESSAGE.model),
    usage: readUsage(usage),
    createdAt,
    editedAt: readNumber(m, MESSAGE.editedAt),
    parent: readString(m, MESSAGE.parent) as MessageId | undefined,
    follows: readString(m, MESSAGE.follows) as MessageId | undefined,
    shown: readString(m, MESSAGE.shown) as MessageId | undefined,
    stopRequested: stopBy !== undefined && stopAt !== undefined ? { by: stopBy as DeviceId, at: stopAt } : undefined,
    continuedBy: readString(m, MESSAGE.continuedBy) as DeviceId | undefined,
    agent: readReplyAgent(m.get(MESSAGE.agent)),
    route: readRoute(m.get(MESSAGE.route)),
    hops: readHops(m.get(MESSAGE.hops)),
    ...(m.get(MESSAGE.planMode) === true ? { planMode: true as const } : {}),
    plan: readPlan(m.get(MESSAGE.plan)),
    ...attachmentsOf(m),
  };
}

/**
 * The stable sort key: creation time (zero-padded, so keys compare as
 * strings) then id. Identical on every peer whatever order updates arrived in.
 */
export function messageSortKey(m: { readonly createdAt: number; readonly id: string }): string {
  return `${Math.max(0, Math.floor(m.createdAt)).toString().padStart(16, '0')}:${m.id}`;
}

export function compareMessages(a: { createdAt: number; id: string }, b: { createdAt: number; id: string }): number {
  return a.createdAt - b.createdAt || compareStrings(a.id, b.id);
}
