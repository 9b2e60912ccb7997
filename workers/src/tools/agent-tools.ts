/**
 * The agent's toolbox in a worker: web fetch and workspace search, a
 * gateway command when the worker has a gateway connection, and the agent's
 * memory tools (memory-tools.ts) when the worker can open memory documents. Each agent acts
 * as the plugin of the same id (the general assistant as AGENT_PLUGIN_ID, the
 * agent of old): its grants and its activity log entries are made and read
 * like any plugin's, so one agent's grant is never another's. A turn is
 * offered only the tools on the agent's list whose permission kind the user
 * granted that agent somewhere, so an agent granted nothing (or a model
 * without tool support) sees no tools at all; a tool call the model makes
 * anyway is refused (no such tool, or denied by the gate and logged).
 */
import type { DeviceId, PluginId } from '@tendril/crdt-schema/ids';
import type { Agent, PermissionsDoc } from '@tendril/crdt-schema/schema';
import type { Timers } from '../llm/deps.ts';
import { createAccessGate, type AccessRecord } from '../plugins/access-gate.ts';
import { AGENT_PLUGIN_ID } from '../plugins/builtin.ts';
import type { ChatAccess } from '../plugins/chat-access.ts';
import type { FetchLimits } from './fetch-text.ts';
import type { GatewayCommands } from './gateway-commands.ts';
import { runCommandTool } from './run-command.ts';
import { agentPluginId, listedTools, offeredTools } from './agent-tools-offer.ts';
import { EmbeddingCache } from './memory-recall.ts';
import { agentMemoryTools, type AgentMemoryAccess } from './memory-tools.ts';
import type { PlanKit } from '../agent/plan-run.ts';
import { toolbox, type AgentTool, type Toolbox } from './tool.ts';
import { webFetchTool } from './web-fetch.ts';
import { searchWorkspaceTool } from './workspace-search.ts';

export interface AgentToolsOptions {
  readonly permissions: PermissionsDoc;
  /** This worker: the device its activity log entries are filed under. */
  readonly device: DeviceId;
  readonly chats: ChatAccess;
  readonly fetch?: typeof globalThis.fetch;
  readonly fetchLimits?: Partial<FetchLimits>;
  readonly gateway?: GatewayCommands;
  readonly timers?: Timers;
  readonly now?: () => number;
  readonly onRecord?: (r: AccessRecord) => void;
  /** Agents' memory: without it no memory tools are offered. */
  readonly memory?: AgentMemoryAccess;
}

function agentTools(o: AgentToolsOptions, plugin: PluginId = AGENT_PLUGIN_ID, cache: EmbeddingCache = new EmbeddingCache()): AgentTool[] {
  const gate = createAccessGate({
    permissions: o.permissions, device: o.device, plugin,
    ...(o.now ? { now: o.now } : {}), ...(o.onRecord ? { onRecord: o.onRecord } : {}),
  });
  const tools: AgentTool[] = [
    searchWorkspaceTool({ gate, chats: o.chats }),
    webFetchTool({ gate, fetch: o.fetch ?? ((input, init) => globalThis.fetch(input, init)), ...(o.fetchLimits ? { limits: o.fetchLimits } : {}), ...(o.timers ? { timers: o.timers } : {}) }),
  ];
  if (o.gateway) tools.push(runCommandTool({ gate, gateway: o.gateway }));
  if (o.memory) tools.push(...agentMemoryTools(o.memory, o, gate, plugin, o.memory.cache ?? cache));
  return tools;
}

export type { AgentMemoryAccess };

/** Every agent tool, whatever is granted (each still checks its grant when run). */
export function agentToolbox(o: AgentToolsOptions): Toolbox {
  return toolbox(agentTools(o));
}

/** The toolbox for the next turn of an agent (undefined: the agent of old): its tools it holds a live grant for, or none. */
export function grantedAgentTools(o: AgentToolsOptions): (agent?: Pick<Agent, 'id' | 'tools'>) => Toolbox | undefined {
  const byAgent = new Map<PluginId, AgentTool[]>();
  const cache = o.memory?.cache ?? new EmbeddingCache();
  return (agent) => {
    const plugin = agentPluginId(agent);
    let tools = byAgent.get(plugin);
    if (!tools) byAgent.set(plugin, (tools = agentTools(o, plugin, cache)));
    return offeredTools(o.permissions, agent, tools);
  };
}

/** What a worker runs approved plan steps with: each agent's listed tools (gated by its grants when run) and its activity log. */
export function planAgentTools(o: AgentToolsOptions): PlanKit {
  const byAgent = new Map<PluginId, AgentTool[]>();
  return {
    tools: (agent) => {
      const plugin = agentPluginId(agent);
      let tools = byAgent.get(plugin);
      if (!tools) byAgent.set(plugin, (tools = agentTools(o, plugin)));
      return listedTools(agent, tools);
    },
    log: (agent, r) => createAccessGate({ permissions: o.permissions, device: o.device, plugin: agentPluginId(agent), ...(o.now ? { now: o.now } : {}), ...(o.onRecord ? { onRecord: o.onRecord } : {}) }).record(r),
  };
}
