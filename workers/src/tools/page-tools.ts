/**
 * The agent's tools when a browser tab answers: workspace search (the
 * workspace's own documents), the agent's memory (embeddings through the
 * relay's proxy: app/src/lib/agent/page-embedder.ts) and web fetch through the relay's proxy (a page
 * may reach only the origins its content policy lists, so the fetch is made
 * by the relay: relay-fetch.ts), the same `web_fetch` tool as a worker's,
 * with the network grant checked for the first host and every redirect hop.
 * Terminal commands (a gateway connection) stay with workers. Each tool is
 * offered only when it is on the agent's list and the agent holds a live
 * grant of its kind (agent-tools.ts); each call still goes through the
 * access gate (the agent's own grants) and the activity log.
 */
import type { DeviceId, PluginId } from '@tendril/crdt-schema/ids';
import type { Agent, PermissionsDoc } from '@tendril/crdt-schema/schema';
import { agentPluginId, listedTools, offeredTools } from './agent-tools-offer.ts';
import { agentMemoryTools, type AgentMemoryAccess } from './memory-tools.ts';
import { EmbeddingCache } from './memory-recall.ts';
import type { PlanKit } from '../agent/plan-run.ts';
import { createAccessGate } from '../plugins/access-gate.ts';
import type { ChatAccess } from '../plugins/chat-access.ts';
import type { Timers } from '../llm/deps.ts';
import type { AgentTool, Toolbox } from './tool.ts';
import { webFetchTool } from './web-fetch.ts';
import { searchWorkspaceTool } from './workspace-search.ts';

export interface PageToolsOptions {
  readonly permissions: PermissionsDoc;
  /** This tab's device: the one its activity log entries are filed under. */
  readonly device: DeviceId;
  readonly chats: ChatAccess;
  /** A fetch through the relay's proxy (relayFetch); without it web fetch is not offered. */
  readonly fetch?: typeof globalThis.fetch;
  readonly timers?: Timers;
  /** Agents' memory documents and the embedding model; without it no memory tools are offered. */
  readonly memory?: AgentMemoryAccess;
}

/** The toolbox for the next turn a tab answers as an agent (undefined: the agent of old), or none when nothing it offers is granted. */
export function pageAgentTools(o: PageToolsOptions): (agent?: Pick<Agent, 'id' | 'tools'>) => Toolbox | undefined {
  const byAgent = new Map<PluginId, AgentTool[]>();
  const cache = o.memory?.cache ?? new EmbeddingCache();
  const toolsOf = (plugin: PluginId): AgentTool[] => {
    const gate = createAccessGate({ permissions: o.permissions, device: o.device, plugin });
    const tools: AgentTool[] = [searchWorkspaceTool({ gate, chats: o.chats })];
    if (o.fetch) tools.push(webFetchTool({ gate, fetch: o.fetch, ...(o.timers ? { timers: o.timers } : {}) }));
    if (o.memory) tools.push(...agentMemoryTools(o.memory, o, gate, plugin, cache));
    return tools;
  };
  return (agent) => {
    const plugin = agentPluginId(agent);
    let tools = byAgent.get(plugin);
    if (!tools) byAgent.set(plugin, (tools = toolsOf(plugin)));
    return offeredTools(o.permissions, agent, tools);
  };
}

/** What a tab runs approved plan steps with: each agent's listed page tools (gated when run) and its activity log. */
export function pagePlanTools(o: PageToolsOptions): PlanKit {
  const tools = (agent: Pick<Agent, 'id' | 'tools'> | undefined): Toolbox | undefined => {
    const gate = createAccessGate({ permissions: o.permissions, device: o.device, plugin: agentPluginId(agent) });
    const list: AgentTool[] = [searchWorkspaceTool({ gate, chats: o.chats })];
    if (o.fetch) list.push(webFetchTool({ gate, fetch: o.fetch, ...(o.timers ? { timers: o.timers } : {}) }));
    return listedTools(agent, list);
  };
  return { tools, log: (agent, r) => createAccessGate({ permissions: o.permissions, device: o.device, plugin: agentPluginId(agent) }).record(r) };
}
