/**
 * Which of an agent's tools a turn is offered: those on the agent's list
 * whose permission kind the agent holds a live grant for, under its own
 * plugin id (the agent's id; the agent of old, and the general assistant
 * that took its place, file under AGENT_PLUGIN_ID). Shared by the worker's
 * toolbox and a tab's.
 */
import type { PluginId } from '@tendril/crdt-schema/ids';
import { AGENT_PLUGIN_ID, type Agent, type PermissionsDoc } from '@tendril/crdt-schema/schema';
import { toolbox, type AgentTool, type Toolbox } from './tool.ts';

/** The plugin id an agent's grants and activity are filed under (the agent of old: AGENT_PLUGIN_ID). */
export const agentPluginId = (agent: Pick<Agent, 'id'> | undefined): PluginId => (agent?.id ?? AGENT_PLUGIN_ID) as string as PluginId;

/** Of `tools`, those on the agent's list whatever is granted, as a toolbox (each still checks its grant when run: a plan step). */
export function listedTools(agent: Pick<Agent, 'id' | 'tools'> | undefined, tools: readonly AgentTool[]): Toolbox | undefined {
  const listed = tools.filter((t) => agent === undefined || (agent.tools as readonly string[]).includes(t.listedAs ?? t.spec.name));
  return listed.length > 0 ? toolbox(listed) : undefined;
}

/** Of `tools`, those on the agent's list that it holds a live grant of their kind for, as a toolbox (none: undefined). */
export function offeredTools(permissions: PermissionsDoc, agent: Pick<Agent, 'id' | 'tools'> | undefined, tools: readonly AgentTool[]): Toolbox | undefined {
  const plugin = agentPluginId(agent);
  const kinds = new Set(permissions.grants.list(plugin).filter((g) => g.decision === 'granted' && g.revokedAt === undefined).map((g) => g.kind));
  const offered = tools.filter((t) => kinds.has(t.kind) && (agent === undefined || (agent.tools as readonly string[]).includes(t.listedAs ?? t.spec.name)));
  return offered.length > 0 ? toolbox(offered) : undefined;
}
