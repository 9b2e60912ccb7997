/**
 * Agent tools: what a tool is (a spec the model sees and a run function),
 * and a toolbox that runs the model's calls. A toolbox never throws at the
 * model: bad arguments, refusals and failures come back as text it can read
 * and explain to the user. Permission checks and logging happen inside each
 * tool, through the access gate.
 */
import { isTendrilError } from '@tendril/crdt-schema/errors';
import type { PermissionKind } from '@tendril/crdt-schema/schema';
import type { ToolCall, ToolSpec } from '../llm/index.ts';
import { isAccessDenied } from '../plugins/access-gate.ts';

export interface ToolContext {
  readonly signal: AbortSignal;
}

export interface AgentTool {
  readonly spec: ToolSpec;
  /** The permission the tool needs (on some resource) to be of any use. */
  readonly kind: PermissionKind;
  /** The name on an agent's tool list that offers it, when not its own (the memory tools are listed as `memory`). */
  readonly listedAs?: string;
  /** Runs with parsed arguments; returns text for the model. */
  run(args: Readonly<Record<string, unknown>>, ctx: ToolContext): Promise<string>;
}

export interface Toolbox {
  readonly specs: readonly ToolSpec[];
  /** Runs one call; always resolves with text for the model. */
  execute(call: ToolCall, signal: AbortSignal): Promise<string>;
}

export const MAX_TOOL_RESULT_CHARS = 24_000;

const clip = (text: string): string =>
  text.length <= MAX_TOOL_RESULT_CHARS ? text : `${text.slice(0, MAX_TOOL_RESULT_CHARS)}\n[cut at ${MAX_TOOL_RESULT_CHARS} characters]`;

export function describeFailure(e: unknown): string {
  if (isAccessDenied(e)) {
    return `error: permission denied: ${e.kind} on ${e.resource} is not granted to the agent. Tell the user; they can grant it in the workspace permissions.`;
  }
  if (isTendrilError(e)) return `error: ${e.message} [${e.code}]`;
  return `error: ${e instanceof Error ? e.message : String(e)}`;
}

export function toolbox(tools: readonly AgentTool[]): Toolbox {
  const byName = new Map(tools.map((t) => [t.spec.name, t]));
  return {
    specs: tools.map((t) => t.spec),
    async execute(call, signal) {
      const tool = byName.get(call.name);
      if (!tool) return `error: there is no tool named ${call.name}; the tools are ${[...byName.keys()].join(', ')}`;
      let args: unknown;
      try {
        args = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
      } catch {
        return `error: the arguments of ${call.name} are not valid JSON`;
      }
      if (typeof args !== 'object' || args === null || Array.isArray(args)) return `error: the arguments of ${call.name} must be a JSON object`;
      try {
        return clip(await tool.run(args as Record<string, unknown>, { signal }));
      } catch (e) {
        return describeFailure(e);
      }
    },
  };
}
