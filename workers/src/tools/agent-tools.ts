/**
 * The agent's toolbox in a worker: web fetch and workspace search, and a
 * gateway command when the worker has a gateway connection. The agent acts
 * as the plugin AGENT_PLUGIN_ID: its grants and its activity log entries are
 * made and read like any plugin's. A turn is offered only the tools whose
 * permission kind the user granted the agent somewhere, so a workspace that
 * granted nothing (or a model without tool support) sees no tools at all.
 */
import type { DeviceId } from '@tendril/crdt-schema/ids';
import type { PermissionsDoc } from '@tendril/crdt-schema/schema';
import type { Timers } from '../llm/deps.ts';
import { createAccessGate, type AccessRecord } from '../plugins/access-gate.ts';
import { AGENT_PLUGIN_ID } from '../plugins/builtin.ts';
import type { ChatAccess } from '../plugins/chat-access.ts';
import type { FetchLimits } from './fetch-text.ts';
import type { GatewayCommands } from './gateway-commands.ts';
import { runCommandTool } from './run-command.ts';
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
}

function agentTools(o: AgentToolsOptions): AgentTool[] {
  const gate = createAccessGate({
    permissions: o.permissions, device: o.device, plugin: AGENT_PLUGIN_ID,
    ...(o.now ? { now: o.now } : {}), ...(o.onRecord ? { onRecord: o.onRecord } : {}),
  });
  const tools: AgentTool[] = [
    searchWorkspaceTool({ gate, chats: o.chats }),
    webFetchTool({ gate, fetch: o.fetch ?? ((input, init) => globalThis.fetch(input, init)), ...(o.fetchLimits ? { limits: o.fetchLimits } : {}), ...(o.timers ? { timers: o.timers } : {}) }),
  ];
  if (o.gateway) tools.push(runCommandTool({ gate, gateway: o.gateway }));
  return tools;
}

/** Every agent tool, whatever is granted (each still checks its grant when run). */
export function agentToolbox(o: AgentToolsOptions): Toolbox {
  return toolbox(agentTools(o));
}

/** The toolbox for the next turn: the tools the agent holds a live grant for, or none. */
export function grantedAgentTools(o: AgentToolsOptions): () => Toolbox | undefined {
  const tools = agentTools(o);
  return () => {
    const kinds = new Set(o.permissions.grants.list(AGENT_PLUGIN_ID).filter((g) => g.decision === 'granted' && g.revokedAt === undefined).map((g) => g.kind));
    const offered = tools.filter((t) => kinds.has(t.kind));
    return offered.length > 0 ? toolbox(offered) : undefined;
  };
}
