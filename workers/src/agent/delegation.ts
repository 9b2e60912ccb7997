/**
 * Sub-agents: the `delegate` tool, with which an agent hands a sub-task to
 * another agent of the workspace. The sub-agent answers with its own system
 * prompt, model and tools, its tools narrowed to its own grants exactly as
 * for a turn it answered itself (never the delegating agent's), so handing
 * work over never widens what is reached. A sub-agent may delegate further
 * only when `delegate` is on its own list and the depth limit allows; every
 * hop of one user turn draws on one budget (calls and tokens), and a hop over
 * a limit is refused with the reason, for the model to explain. Each hop is
 * recorded on the turn's reply (chat-hops.ts) with its own model, tokens and
 * cost. Shared by the worker and the browser runner; Node-free.
 */
import type { SpendGate } from './spend-gate.ts';
import type { MessageId } from '@tendril/crdt-schema/ids';
import type { Agent, ChatDoc, DelegationLimits, Hop, ModelRef, SettingsDoc } from '@tendril/crdt-schema/schema';
import { MAX_HOP_RESULT, MAX_HOP_TASK } from '@tendril/crdt-schema/schema';
import { collect, estimateCost, type ChatMessage, type ToolCall, type ToolSpec } from '../llm/index.ts';
import { toolLoop } from '../tools/tool-loop.ts';
import type { Toolbox } from '../tools/tool.ts';
import type { ProviderChoice } from './turn-agent.ts';

export const DELEGATE_TOOL = 'delegate';

/** What one user turn has spent on sub-agents so far, at every depth (shared by all its hops). */
export interface DelegationBudget {
  calls: number;
  tokens: number;
}

export interface DelegationContext {
  readonly settings: SettingsDoc;
  readonly chat: ChatDoc;
  /** The turn's reply: every hop is recorded on it. */
  readonly reply: MessageId;
  readonly limits: DelegationLimits;
  readonly budget: DelegationBudget;
  readonly choose: (preferred?: ModelRef) => ProviderChoice;
  /** An agent's own tools, narrowed to its own grants (as for a turn it answers). */
  readonly tools?: (agent: Agent) => Toolbox | undefined;
  readonly maxToolRounds?: number;
  readonly log?: (line: string) => void;
  /** The spending limits, checked before each hop's model call (spend-gate.ts); a refusal refuses the hop. */
  readonly spend?: SpendGate;
}

const prefer = (a: Agent): ModelRef | undefined => (a.provider !== undefined && a.model !== undefined ? { provider: a.provider, model: a.model } : undefined);

function spec(from: Agent, others: readonly Agent[]): ToolSpec {
  const list = others.map((a) => `${a.name} (${a.description.replace(/\s+/g, ' ').slice(0, 160) || 'no description'})`).join('; ');
  return {
    name: DELEGATE_TOOL,
    description: `Hand a self-contained sub-task to another agent, which answers it with its own tools and returns its answer. The agents: ${list}. You are ${from.name}.`,
    parameters: {
      type: 'object',
      properties: {
        agent: { type: 'string', description: 'The name of the agent to hand the task to.' },
        task: { type: 'string', description: 'The task, with everything the agent needs to know (it does not see this chat).' },
      },
      required: ['agent', 'task'],
    },
  };
}

/** Adds one tool in front of a toolbox (or makes a toolbox of it alone). */
function withTool(box: Toolbox | undefined, extra: ToolSpec, run: (call: ToolCall, signal: AbortSignal) => Promise<string>): Toolbox {
  return {
    specs: [...(box?.specs ?? []).filter((s) => s.name !== extra.name), extra],
    execute: (call, signal) => (call.name === extra.name ? run(call, signal) : box ? box.execute(call, signal) : Promise.resolve(`error: there is no tool named ${call.name}`)),
  };
}

function readArgs(call: ToolCall): { agent: string; task: string } | string {
  let v: unknown;
  try {
    v = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
  } catch {
    return 'error: the arguments of delegate are not valid JSON';
  }
  const r = v as { agent?: unknown; task?: unknown } | null;
  if (typeof r !== 'object' || r === null || typeof r.agent !== 'string' || typeof r.task !== 'string' || r.task.trim() === '') {
    return 'error: delegate needs {"agent": "<name>", "task": "<the sub-task>"}';
  }
  if (r.task.length > MAX_HOP_TASK) return `error: the task is longer than ${MAX_HOP_TASK} characters; shorten it`;
  return { agent: r.agent.trim().replace(/^@/, ''), task: r.task };
}

/**
 * The toolbox of an agent answering at `depth` (0: the turn's own agent): its own tools, plus
 * `delegate` when it is on its list and a hop from here stays within the depth limit.
 */
export function delegatingTools(ctx: DelegationContext, agent: Agent, depth: number, own: Toolbox | undefined): Toolbox | undefined {
  if (!(agent.tools as readonly string[]).includes(DELEGATE_TOOL) || depth >= ctx.limits.maxDepth) return own;
  const others = ctx.settings.agents.list().filter((a) => a.id !== agent.id);
  if (others.length === 0) return own;
  return withTool(own, spec(agent, others), (call, signal) => hop(ctx, agent, depth + 1, call, signal));
}

/** A hand-off outside a tool call (an approved plan step): `from` hands `task` to the agent named `agent`, as a first hop. */
export function handOff(ctx: DelegationContext, from: Agent, agent: string, task: string, signal: AbortSignal): Promise<string> {
  return hop(ctx, from, 1, { id: 'plan-handoff', name: DELEGATE_TOOL, arguments: JSON.stringify({ agent, task }) }, signal);
}

async function hop(ctx: DelegationContext, from: Agent, depth: number, call: ToolCall, signal: AbortSignal): Promise<string> {
  const args = readArgs(call);
  if (typeof args === 'string') return args;
  const to = ctx.settings.agents.byName(args.agent);
  if (!to) return `error: there is no agent named ${args.agent}; the agents are ${ctx.settings.agents.list().map((a) => a.name).join(', ')}`;
  const base: Omit<Hop, 'status' | 'result'> = { agent: to.id, name: to.name, from: from.name, depth, task: args.task };
  const refuse = (reason: string): string => {
    record(ctx, { ...base, status: 'refused', result: reason });
    return `error: not handed to ${to.name}: ${reason}`;
  };
  if (to.id === from.id) return refuse('an agent cannot hand a task to itself');
  if (depth > ctx.limits.maxDepth) return refuse(`the depth limit of ${ctx.limits.maxDepth} hand-offs is reached`);
  if (ctx.budget.calls >= ctx.limits.maxCalls) return refuse(`this turn's budget of ${ctx.limits.maxCalls} sub-agent calls is spent`);
  if (ctx.budget.tokens >= ctx.limits.maxTokens) return refuse(`this turn's budget of ${ctx.limits.maxTokens} sub-agent tokens is spent`);
  const choice = ctx.choose(prefer(to));
  if (choice === null || !('provider' in choice)) return refuse(choice === null ? 'no model provider is configured' : choice.error);
  const prompt = [
    ctx.settings.systemPrompt(), to.systemPrompt,
    `${from.name}, another agent of this workspace, hands you the task below. Answer it with the result only; you do not see the chat it came from.`,
  ].filter((p) => p.trim() !== '').join('\n\n');
  const messages: ChatMessage[] = [{ role: 'system', content: prompt }, { role: 'user', content: args.task }];
  const over = await ctx.spend?.({ model: choice.model, messages });
  if (over) return refuse(over);
  ctx.budget.calls++;
  const index = record(ctx, { ...base, status: 'running', result: '', model: choice.model });
  const tools = delegatingTools(ctx, to, depth, ctx.tools?.(to));
  ctx.log?.(`delegate: ${from.name} -> ${to.name} (depth ${depth})`);
  let answer: Awaited<ReturnType<typeof collect>> | undefined;
  let failure: string | undefined;
  try {
    answer = await collect(tools
      ? toolLoop({ provider: choice.provider, model: choice.model, messages, toolbox: tools, signal, ...(ctx.maxToolRounds !== undefined ? { maxRounds: ctx.maxToolRounds } : {}) })
      : choice.provider.stream({ model: choice.model, messages }, { signal }));
  } catch (e) {
    failure = signal.aborted ? 'stopped' : e instanceof Error ? e.message : String(e);
  }
  const usage = answer?.usage ? { ...answer.usage, costUsd: estimateCost(choice.model, answer.usage) ?? 0 } : undefined;
  if (usage) ctx.budget.tokens += usage.inputTokens + usage.outputTokens;
  const result = failure === undefined ? (answer?.text ?? '').trim() : `failed: ${failure}`;
  update(ctx, index, { ...base, status: failure === undefined ? 'done' : 'error', result: result.slice(0, MAX_HOP_RESULT), model: choice.model, ...(usage ? { usage } : {}) });
  if (failure !== undefined) return `error: ${to.name} could not answer: ${failure}`;
  return result === '' ? `${to.name} answered with no text.` : result;
}

/** Hops are a record for the user: one that cannot be written (a full reply) does not fail the answer. */
function record(ctx: DelegationContext, h: Hop): number | undefined {
  try {
    return ctx.chat.addHop(ctx.reply, h);
  } catch (e) {
    ctx.log?.(`delegate: hop not recorded: ${(e as Error).message}`);
    return undefined;
  }
}

function update(ctx: DelegationContext, index: number | undefined, h: Hop): void {
  try {
    if (index === undefined) record(ctx, h);
    else ctx.chat.updateHop(ctx.reply, index, h);
  } catch (e) {
    ctx.log?.(`delegate: hop not recorded: ${(e as Error).message}`);
  }
}
