/**
 * The agent's tools when a browser tab answers: workspace search (the
 * workspace's own documents) and web fetch through the relay's proxy (a page
 * may reach only the origins its content policy lists, so the fetch is made
 * by the relay: relay-fetch.ts), the same `web_fetch` tool as a worker's,
 * with the network grant checked for the first host and every redirect hop.
 * Terminal commands (a gateway connection) stay with workers. Each tool is
 * offered only while the agent holds a live grant of its kind; each call
 * still goes through the access gate and the activity log.
 */
import type { DeviceId } from '@tendril/crdt-schema/ids';
import { AGENT_PLUGIN_ID, type PermissionsDoc } from '@tendril/crdt-schema/schema';
import { createAccessGate } from '../plugins/access-gate.ts';
import type { ChatAccess } from '../plugins/chat-access.ts';
import type { Timers } from '../llm/deps.ts';
import { toolbox, type AgentTool, type Toolbox } from './tool.ts';
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
}

/** The toolbox for the next turn a tab answers, or none when nothing it offers is granted. */
export function pageAgentTools(o: PageToolsOptions): () => Toolbox | undefined {
  const gate = createAccessGate({ permissions: o.permissions, device: o.device, plugin: AGENT_PLUGIN_ID });
  const tools: AgentTool[] = [searchWorkspaceTool({ gate, chats: o.chats })];
  if (o.fetch) tools.push(webFetchTool({ gate, fetch: o.fetch, ...(o.timers ? { timers: o.timers } : {}) }));
  return () => {
    const kinds = new Set(o.permissions.grants.list(AGENT_PLUGIN_ID).filter((g) => g.decision === 'granted' && g.revokedAt === undefined).map((g) => g.kind));
    const offered = tools.filter((t) => kinds.has(t.kind));
    return offered.length > 0 ? toolbox(offered) : undefined;
  };
}
