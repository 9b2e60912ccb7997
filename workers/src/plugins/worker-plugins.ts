/**
 * What `tendril worker` adds to the agent when the device holds the
 * permissions keys: the agent's toolbox (gated by the grants to the agent)
 * and the plugin service running installed plugins. Plugin state lives in
 * the worker home (plugins/state); relative plugin entries are looked up in
 * plugins/code.
 */
import type { Agent } from '@tendril/crdt-schema/schema';
import type { Embedder } from '../llm/embeddings.ts';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import type { ChosenProvider } from '../agent/provider-setup.ts';
import { systemTimers } from '../llm/deps.ts';
import { grantedAgentTools, planAgentTools } from '../tools/agent-tools.ts';
import { EmbeddingCache } from '../tools/memory-recall.ts';
import { recallCacheStore } from '../tools/recall-cache-store.ts';
import type { PlanKit } from '../agent/plan-run.ts';
import type { GatewayCommands } from '../tools/gateway-commands.ts';
import type { Toolbox } from '../tools/tool.ts';
import { sessionChatAccess } from './chat-access.ts';
import { sessionSources } from './workspace-sources.ts';
import { nodeHostFs } from './host-fs.ts';
import { resolveEntry } from './plugin-entry.ts';
import { PluginRunner } from './plugin-runner.ts';
import { PluginService } from './plugin-service.ts';
import { fileStateStore, pluginDirs } from './plugin-state.ts';
import { runLease, type RunLease } from './run-lease.ts';
import { DEFAULT_MAX_RUNS, RunSlots } from './run-slots.ts';

export interface WorkerPluginsOptions {
  readonly session: WorkspaceSession;
  /** The worker's home directory. */
  readonly home: string;
  readonly chooseProvider: () => ChosenProvider | null;
  readonly tools: boolean;
  readonly plugins: boolean;
  readonly timeLimitMs: number;
  /** Plugin threads at once on this worker (default DEFAULT_MAX_RUNS); more runs wait. */
  readonly maxRuns?: number;
  /** Heap of each plugin thread in MB. */
  readonly memoryLimitMb?: number;
  readonly gateway?: GatewayCommands;
  /** The workspace's embedding model now (memory recall), if any. */
  readonly embedder?: () => Embedder | undefined;
  readonly log: (line: string) => void;
}

export interface WorkerPlugins {
  /** An agent's tools for the next turn (those on its list granted to it), when tools are on. */
  readonly tools?: (agent?: Pick<Agent, 'id' | 'tools'>) => Toolbox | undefined;
  /** Which worker runs each scheduled time of a plugin or playbook (run-lease.ts). */
  readonly lease?: RunLease;
  /** What approved plan steps run with (each agent's listed tools, gated, and its activity log), when tools are on. */
  readonly plans?: PlanKit;
  readonly service?: PluginService;
  stop(): Promise<void>;
}

export async function startWorkerPlugins(o: WorkerPluginsOptions): Promise<WorkerPlugins> {
  const { session } = o;
  if (!o.tools && !o.plugins) return { stop: async () => {} };
  if (!session.home.keys.has('permissions')) {
    o.log('this device holds no permissions keys: no agent tools, no plugins');
    return { stop: async () => {} };
  }
  const { sync: permissionsSync, permissions } = await session.openPermissions();
  const device = session.home.identity.deviceId;
  const lease = runLease({ permissions, whenSynced: (ms) => permissionsSync.whenSynced(ms), me: device, log: o.log });
  const chats = sessionChatAccess(session);
  const fetch: typeof globalThis.fetch = (input, init) => globalThis.fetch(input, init);
  // Agents' memory documents are in the chats scope: a worker without those keys offers no memory tools.
  const cache = new EmbeddingCache();
  const recallStore = recallCacheStore({
    crypto: session.crypto, workspace: session.home.config.workspace, device, localKey: session.home.localKey, storeFor: (d) => session.home.storeFor(d),
  });
  await recallStore.load(cache).catch((e: unknown) => o.log(`recall cache not restored: ${(e as Error).message}`));
  const memory = session.home.keys.has('chat')
    ? {
        cache,
        persist: () => recallStore.save(cache),
        open: async (plugin: string) => {
          const { sync, memory: doc } = await session.openMemory(plugin);
          await sync.whenSynced(5000).catch(() => {}); // Offline: the local copy.
          return doc;
        },
        embedder: () => o.embedder?.(),
      }
    : undefined;
  const toolOptions = { permissions, device, chats, fetch, ...(o.gateway ? { gateway: o.gateway } : {}), ...(memory ? { memory } : {}) };
  const tools = o.tools ? grantedAgentTools(toolOptions) : undefined;
  const plans = o.tools ? planAgentTools(toolOptions) : undefined;
  if (!o.plugins) return { ...(tools ? { tools } : {}), ...(plans ? { plans } : {}), lease, stop: async () => {} };
  const dirs = pluginDirs(o.home);
  const state = fileStateStore(dirs.state);
  let service: PluginService | null = null;
  const settings = session.home.keys.has('settings') ? (await session.openSettings()).settings : null;
  const runner = new PluginRunner({
    permissions, device, chats, fetch, state, fs: nodeHostFs,
    ...sessionSources(session, settings),
    model: o.chooseProvider,
    timeLimitMs: o.timeLimitMs,
    slots: new RunSlots(o.maxRuns ?? DEFAULT_MAX_RUNS),
    ...(o.memoryLimitMb !== undefined ? { memoryLimitMb: o.memoryLimitMb } : {}),
    entry: (e) => resolveEntry(e, { pluginDir: dirs.code }),
    onWatch: (plugin, folder) => service?.watch(plugin, folder),
    log: o.log,
    ...(o.gateway ? { gateway: o.gateway } : {}),
  });
  service = new PluginService({ runner, permissions, state, now: Date.now, timers: systemTimers, log: o.log, lease });
  service.start();
  const running = service;
  return { ...(tools ? { tools } : {}), ...(plans ? { plans } : {}), lease, service: running, stop: () => running.stop() };
}
