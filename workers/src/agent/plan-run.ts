/**
 * Running an approved plan (chat-plan.ts): its approved steps in order, as
 * the agent that proposed it, by the runner that holds the plan's claim.
 * Each step goes through the agent's own tools, gated by its own grants at
 * the moment it runs (a command or file write on a session the agent holds
 * no grant for fails, and the gate logs the refusal), so approving a plan
 * never grants anything. The result is written under the step and each step
 * is in the activity log: commands, file writes and tool calls by the access
 * gate as they run, notifications and hand-offs (and steps naming a tool the
 * agent does not have) by the runner. A step is run at most once: one found
 * `running` (its runner went away mid-step) ends failed. The run stops
 * between steps when the claim is lost. Shared by the worker and the browser
 * runner; Node-free.
 */
import type { MessageId } from '@tendril/crdt-schema/ids';
import type { Agent, ChatDoc, PermissionKind, Plan, PlanStep } from '@tendril/crdt-schema/schema';
import type { AccessRecord } from '../plugins/access-gate.ts';
import type { Toolbox } from '../tools/tool.ts';

export interface PlanRunOptions {
  readonly chat: ChatDoc;
  readonly reply: MessageId;
  /** The agent that proposed the plan (undefined: the agent of old). */
  readonly agent: Agent | undefined;
  /** The tools on the agent's list, each checking the agent's grant when run (not narrowed to the granted ones). */
  readonly tools: Toolbox | undefined;
  /** Writes an entry in the activity log under the agent. */
  readonly log: (r: AccessRecord) => void;
  /** Hands a task to another agent (delegation.ts); without it hand-off steps fail. */
  readonly handOff?: (agent: string, task: string, signal: AbortSignal) => Promise<string>;
  readonly stillHolds: () => boolean;
  readonly signal: AbortSignal;
}

export type PlanRunOutcome = 'done' | 'lost';

/** What a runner needs to run plans: an agent's listed tools (each gated), and its activity log. */
export interface PlanKit {
  readonly tools: (agent: Agent | undefined) => Toolbox | undefined;
  readonly log: (agent: Agent | undefined, r: AccessRecord) => void;
}

/** Tool results that start like this are failures (tool.ts never throws at the model). */
const failed = (result: string): boolean => result.startsWith('error:');

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Base64 of the UTF-8 bytes of a text, in a page as in Node. */
function base64(text: string): string {
  let bin = '';
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** A path a file step may write: relative to the session's directory and never above it. */
export function checkStepPath(path: string): string | undefined {
  if (path.startsWith('/') || path.startsWith('~') || path.includes('\0') || path.split('/').some((p) => p === '..')) return undefined;
  return /^[\w./ @+,-]+$/u.test(path) ? path : undefined;
}

/** The command line that writes a file step's content on the session (the content travels base64, so nothing in it is shell). */
export function fileCommand(path: string, content: string): string {
  return `printf '%s' ${quote(base64(content))} | base64 -d > ${quote(path)}`;
}

const KIND_OF: Readonly<Record<PlanStep['kind'], PermissionKind>> = {
  tool: 'network', command: 'gateway-session', file: 'gateway-session', notify: 'write-chats', handoff: 'write-chats',
};

/** The tool a step runs through, if any (commands and file writes: run_command). */
const toolOf = (s: PlanStep): string | undefined => (s.kind === 'command' || s.kind === 'file' ? 'run_command' : s.kind === 'tool' ? s.tool : undefined);

/**
 * False when a step still to run needs a tool on the agent's list that this runner cannot offer (a tab
 * has no terminal connection): the plan is left to a runner that can, rather than failed here.
 */
export function runnableHere(plan: Plan, agent: Agent | undefined, tools: Toolbox | undefined): boolean {
  return plan.steps.every((s) => {
    if (s.decision !== 'approved' || s.status !== 'waiting') return true;
    const tool = toolOf(s);
    const listed = tool !== undefined && (agent === undefined || (agent.tools as readonly string[]).includes(tool));
    return !listed || tools?.specs.some((t) => t.name === tool) === true;
  });
}

export async function runPlan(o: PlanRunOptions): Promise<PlanRunOutcome> {
  const plan = o.chat.plan(o.reply);
  if (!plan || (plan.state !== 'approved' && plan.state !== 'running')) return 'done';
  o.chat.setPlanState(o.reply, 'running');
  const chatId = o.chat.info()?.chatId ?? '-';
  for (const [i, step] of plan.steps.entries()) {
    if (step.decision !== 'approved') {
      if (step.status === 'waiting') o.chat.setStepStatus(o.reply, i, 'skipped');
      continue;
    }
    if (step.status === 'done' || step.status === 'failed' || step.status === 'skipped') continue;
    const label = `plan step ${i + 1} (${step.kind}): ${step.title}`;
    if (step.status === 'running') {
      const reason = 'interrupted: the runner running it went away; not run again';
      o.chat.setStepStatus(o.reply, i, 'failed', reason);
      o.log({ kind: KIND_OF[step.kind], resource: step.session ?? chatId, outcome: 'error', detail: `${label}: ${reason}` });
      continue;
    }
    if (!o.stillHolds() || o.signal.aborted) return 'lost';
    o.chat.setStepStatus(o.reply, i, 'running');
    let result: string;
    try {
      result = await runStep(o, step, i, chatId, label);
    } catch (e) {
      result = `error: ${e instanceof Error ? e.message : String(e)}`;
    }
    // A lost claim mid-step: the step ran (or may have), so it is recorded as it ended, never re-run.
    o.chat.setStepStatus(o.reply, i, failed(result) ? 'failed' : 'done', result);
  }
  o.chat.setPlanState(o.reply, 'done');
  return 'done';
}

async function runStep(o: PlanRunOptions, step: PlanStep, i: number, chatId: string, label: string): Promise<string> {
  const call = async (name: string, args: string): Promise<string> => {
    if (!o.tools?.specs.some((s) => s.name === name)) {
      const reason = `error: ${o.agent?.name ?? 'the agent'} has no ${name} tool here (not on its list, or this runner cannot offer it)`;
      o.log({ kind: KIND_OF[step.kind], resource: step.session ?? name, outcome: 'denied', detail: `${label}: ${reason}` });
      return reason;
    }
    return o.tools.execute({ id: `plan-${i + 1}`, name, arguments: args }, o.signal);
  };
  switch (step.kind) {
    case 'command': {
      const r = await call('run_command', JSON.stringify({ session: step.session, command: step.command }));
      // A command that ran and exited non-zero is a failed step (its output stays as the result).
      return /^exit code (?!0\b)/.test(r) || /^timed out/.test(r) ? `error: ${r}` : r;
    }
    case 'file': {
      const path = checkStepPath(step.path ?? '');
      if (path === undefined) {
        const reason = 'error: a file step writes a relative path inside the session\'s directory (letters, digits, . _ - / and spaces, no ..)';
        o.log({ kind: 'gateway-session', resource: step.session ?? '-', outcome: 'denied', detail: `${label}: ${reason}` });
        return reason;
      }
      const command = fileCommand(path, step.content ?? '');
      const r = await call('run_command', JSON.stringify({ session: step.session, command }));
      return failed(r) ? r : /^exit code 0\b/.test(r) ? `wrote ${path} (${new TextEncoder().encode(step.content ?? '').length} bytes)` : `error: writing ${path} failed: ${r.slice(0, 500)}`;
    }
    case 'tool':
      return call(step.tool ?? '', step.args ?? '{}');
    case 'notify':
      o.log({ kind: 'write-chats', resource: chatId, outcome: 'allowed', detail: `${label}: ${step.text ?? ''}` });
      return step.text ?? '';
    case 'handoff': {
      if (!o.handOff) {
        o.log({ kind: 'write-chats', resource: chatId, outcome: 'error', detail: `${label}: no agents to hand off to here` });
        return 'error: hand-offs are not available here';
      }
      const r = await o.handOff(step.agent ?? '', step.task ?? '', o.signal);
      o.log({ kind: 'write-chats', resource: chatId, outcome: failed(r) ? 'error' : 'allowed', detail: `${label}: handed to ${step.agent ?? ''}: ${r.slice(0, 300)}` });
      return r;
    }
  }
}
