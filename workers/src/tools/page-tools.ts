/**
 * The agent's tools when a browser tab answers: only those that need nothing
 * but the workspace's own documents (workspace search). Web fetch (a page may
 * reach only the origins its content policy lists) and terminal commands (a
 * gateway connection) stay with workers. Offered, like a worker's, only while
 * the agent holds a live grant of the tool's kind; each call still goes
 * through the access gate and the activity log.
 */
import type { DeviceId } from '@tendril/crdt-schema/ids';
import { AGENT_PLUGIN_ID, type PermissionsDoc } from '@tendril/crdt-schema/schema';
import { createAccessGate } from '../plugins/access-gate.ts';
import type { ChatAccess } from '../plugins/chat-access.ts';
import { toolbox, type Toolbox } from './tool.ts';
import { searchWorkspaceTool } from './workspace-search.ts';

export interface PageToolsOptions {
  readonly permissions: PermissionsDoc;
  /** This tab's device: the one its activity log entries are filed under. */
  readonly device: DeviceId;
  readonly chats: ChatAccess;
}

/** The toolbox for the next turn a tab answers, or none when nothing it offers is granted. */
export function pageAgentTools(o: PageToolsOptions): () => Toolbox | undefined {
  const gate = createAccessGate({ permissions: o.permissions, device: o.device, plugin: AGENT_PLUGIN_ID });
  const search = searchWorkspaceTool({ gate, chats: o.chats });
  return () => {
    const granted = o.permissions.grants.list(AGENT_PLUGIN_ID).some((g) => g.kind === search.kind && g.decision === 'granted' && g.revokedAt === undefined);
    return granted ? toolbox([search]) : undefined;
  };
}
