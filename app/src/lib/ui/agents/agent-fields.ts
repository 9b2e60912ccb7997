/**
 * What the agent form hands back, and how it becomes a new agent or an edit
 * of one (an empty model means the workspace's default model).
 */
import type { AgentInput, AgentPatch, AgentToolName, ProviderId } from '@tendril/crdt-schema/schema';

export interface AgentFields {
  readonly name: string;
  readonly description: string;
  readonly systemPrompt: string;
  readonly model: { readonly provider: ProviderId; readonly model: string } | null;
  readonly tools: readonly AgentToolName[];
}

export function newAgentInput(f: AgentFields): AgentInput {
  return { name: f.name, description: f.description, systemPrompt: f.systemPrompt, tools: [...f.tools], ...(f.model ? { provider: f.model.provider, model: f.model.model } : {}) };
}

export function agentPatch(f: AgentFields): AgentPatch {
  return {
    name: f.name, description: f.description, systemPrompt: f.systemPrompt, tools: [...f.tools],
    ...(f.model ? { provider: f.model.provider, model: f.model.model } : { provider: null, model: null }),
  };
}
