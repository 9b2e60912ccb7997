/**
 * Answering a turn in plan mode: the agent is asked for an execution plan
 * instead of acting. It sees the conversation, the tools it may use (their
 * descriptions, so it knows the live sessions) and the agents it may hand
 * off to, and answers with JSON only; the plan is checked step by step and
 * stored on the reply (chat-plan.ts) with the summary and the numbered steps
 * as the reply's text. Nothing runs here: steps run only once the user
 * approves them (plan-run.ts). A model answer that is no valid plan ends the
 * turn with the reason. Shared by the worker and the browser runner; Node-free.
 */
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { MessageId } from '@tendril/crdt-schema/ids';
import { checkStepFields, MAX_PLAN_STEPS, PLAN_STEP_KINDS, type Agent, type ChatDoc, type StepFields } from '@tendril/crdt-schema/schema';
import { collect, estimateCost, type ChatMessage, type LlmProvider } from '../llm/index.ts';
import type { Toolbox } from '../tools/tool.ts';
import type { AnswerResult } from './answer-turn.ts';

export interface ProposeOptions {
  readonly chat: ChatDoc;
  readonly reply: MessageId;
  readonly provider: LlmProvider;
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  /** The tools the agent may use (their specs are described to it); handoff targets are the other agents. */
  readonly tools?: Toolbox;
  readonly agents?: readonly Agent[];
  readonly signal?: AbortSignal;
  readonly now?: () => number;
  /** True while this runner still holds the turn: a plan is not written once another took it. */
  readonly stillHolds?: () => boolean;
}

export function planInstructions(tools: Toolbox | undefined, agents: readonly Agent[]): string {
  const toolList = (tools?.specs ?? []).filter((t) => t.name !== 'delegate').map((t) => `- ${t.name}: ${(t.description ?? '').slice(0, 600)}`).join('\n');
  const agentList = agents.map((a) => `- ${a.name}: ${a.description.slice(0, 200)}`).join('\n');
  return [
    'Plan mode: do not act now. Answer with an execution plan the user will approve step by step; only approved steps run, in order.',
    `Answer with JSON only: {"summary": "<what the plan does>", "steps": [<1..${MAX_PLAN_STEPS} steps>]}. Each step has "kind" and a one-line "title", and by kind:`,
    '- {"kind": "command", "session": "<terminal session id>", "command": "<one command line>"}',
    '- {"kind": "file", "session": "<terminal session id>", "path": "<path in the session\'s directory>", "content": "<text>"}',
    '- {"kind": "tool", "tool": "<tool name>", "args": {<the tool\'s arguments>}}',
    '- {"kind": "notify", "text": "<what to tell the user>"}',
    '- {"kind": "handoff", "agent": "<agent name>", "task": "<the task, self-contained>"}',
    toolList ? `Your tools:\n${toolList}` : 'You have no tools granted now; a step that needs one will fail unless the user grants it.',
    agentList ? `Agents you may hand off to:\n${agentList}` : '',
  ].filter((l) => l !== '').join('\n');
}

const asText = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

/** The steps a model answer holds; throws (bad input) with what is wrong. */
export function parsePlanAnswer(answer: string): { summary: string; steps: StepFields[] } {
  const json = /\{[\s\S]*\}/.exec(answer)?.[0];
  let v: unknown;
  try {
    v = json === undefined ? undefined : JSON.parse(json);
  } catch {
    v = undefined;
  }
  const r = v as { summary?: unknown; steps?: unknown } | undefined;
  if (typeof r !== 'object' || r === null || !Array.isArray(r.steps)) throw new Error('the model answered with no plan (JSON with a steps list)');
  if (r.steps.length === 0 || r.steps.length > MAX_PLAN_STEPS) throw new Error(`the model's plan has ${r.steps.length} steps (1..${MAX_PLAN_STEPS})`);
  const steps = r.steps.map((s: unknown, i: number): StepFields => {
    const x = (typeof s === 'object' && s !== null ? s : {}) as Record<string, unknown>;
    const kind = asText(x.kind) ?? '';
    if (!(PLAN_STEP_KINDS as readonly string[]).includes(kind)) throw new Error(`step ${i + 1} of the model's plan has no known kind ("${kind.slice(0, 20)}")`);
    const fields = {
      kind, title: (asText(x.title) ?? '').trim() || `step ${i + 1}`,
      ...Object.fromEntries(['tool', 'session', 'command', 'path', 'content', 'text', 'agent', 'task'].flatMap((k) => (asText(x[k]) !== undefined ? [[k, asText(x[k])]] : []))),
      ...(x.args !== undefined ? { args: typeof x.args === 'string' ? x.args : JSON.stringify(x.args) } : kind === 'tool' ? { args: '{}' } : {}),
    } as StepFields;
    try {
      return checkStepFields(fields);
    } catch (e) {
      throw new Error(`step ${i + 1} of the model's plan: ${(e as Error).message}`);
    }
  });
  return { summary: (asText(r.summary) ?? '').slice(0, 2_000), steps };
}

/** The reply's text for a plan: the summary and the numbered steps. */
export const planText = (summary: string, steps: readonly StepFields[]): string =>
  [summary.trim() || 'Proposed plan:', ...steps.map((s, i) => `${i + 1}. ${s.title}`)].join('\n');

export async function proposePlan(o: ProposeOptions): Promise<AnswerResult> {
  const now = o.now ?? Date.now;
  const started = now();
  const messages: ChatMessage[] = [...o.messages, { role: 'system', content: planInstructions(o.tools, o.agents ?? []) }];
  o.chat.setStatus(o.reply, 'streaming');
  let answer: Awaited<ReturnType<typeof collect>>;
  try {
    answer = await collect(o.provider.stream({ model: o.model, messages }, o.signal ? { signal: o.signal } : {}));
  } catch (e) {
    if (o.signal?.aborted === true) {
      o.chat.setStatus(o.reply, 'stopped');
      return { outcome: 'stopped' };
    }
    return { outcome: 'error', error: e };
  }
  if (o.stillHolds?.() === false) return { outcome: 'lost' };
  o.chat.setModel(o.reply, o.model);
  if (answer.usage) o.chat.setUsage(o.reply, { ...answer.usage, costUsd: estimateCost(o.model, answer.usage) ?? 0, totalMs: now() - started });
  let plan: ReturnType<typeof parsePlanAnswer>;
  try {
    plan = parsePlanAnswer(answer.text);
  } catch (e) {
    // Not worth another attempt with the same prompt: the reason goes on the reply (non-retryable).
    return { outcome: 'error', error: new TendrilError('E_BAD_INPUT', (e as Error).message) };
  }
  o.chat.proposePlan(o.reply, plan.summary, plan.steps);
  o.chat.appendContent(o.reply, planText(plan.summary, plan.steps));
  o.chat.setStatus(o.reply, 'done');
  return { outcome: 'done' };
}
