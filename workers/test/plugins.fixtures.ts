/**
 * Fixtures for plugin and tool tests in one process: a permissions document,
 * in-memory chats and plugin state, plugins written as files into a temp
 * folder and installed, grant helpers, and the activity log as short lines.
 */
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as Y from 'yjs';
import { newPluginId, type DeviceId, type PluginId } from '@tendril/crdt-schema/ids';
import { permissionsDoc, type PermissionKind, type PermissionRequest } from '@tendril/crdt-schema/schema';
import { memoryChatAccess } from '../src/plugins/chat-access.ts';
import { nodeHostFs } from '../src/plugins/host-fs.ts';
import { PluginRunner, type RunnerDeps } from '../src/plugins/plugin-runner.ts';
import { memoryStateStore } from '../src/plugins/plugin-state.ts';
import { tempDir } from './harness.ts';

/** The worker device of these tests. */
export const WORKER = `${'W'.repeat(42)}A` as DeviceId;
/** The user's device, which makes the grants. */
export const USER = `${'U'.repeat(42)}A` as DeviceId;

export function pluginWorld(prefix: string) {
  const temp = tempDir(prefix);
  // Grants name real paths (the CLI stores them so); a temp folder may sit behind a symlink.
  const dir = { path: realpathSync(temp.path), remove: temp.remove };
  const permissions = permissionsDoc(new Y.Doc());
  const chats = memoryChatAccess({ device: WORKER });
  const state = memoryStateStore();
  return {
    dir,
    permissions,
    chats,
    state,
    /** Writes `code` as a plugin's index.mjs and installs its manifest; returns its id. */
    install(code: string, o: { name?: string; permissions?: PermissionRequest[]; schedule?: string; id?: PluginId } = {}): PluginId {
      const id = o.id ?? newPluginId();
      const folder = join(dir.path, 'plugins', id);
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'index.mjs'), code);
      permissions.plugins.install({
        id, name: o.name ?? `test ${id.slice(0, 4)}`, version: '1.0.0', description: '',
        permissions: o.permissions ?? [{ kind: 'read-folder', resource: '*', reason: 'test' }],
        entry: join(folder, 'index.mjs'), ...(o.schedule ? { schedule: o.schedule } : {}),
      }, USER);
      return id;
    },
    grant: (plugin: PluginId, kind: PermissionKind, resource: string) => permissions.grants.decide({ plugin, kind, resource }, 'granted', USER),
    deny: (plugin: PluginId, kind: PermissionKind, resource: string) => permissions.grants.decide({ plugin, kind, resource }, 'denied', USER),
    revoke: (plugin: PluginId, kind: PermissionKind, resource: string) => permissions.grants.revoke({ plugin, kind, resource }, USER),
    runner: (extra: Partial<RunnerDeps> = {}) =>
      new PluginRunner({ permissions, device: WORKER, chats, fs: nodeHostFs, fetch: (i, init) => globalThis.fetch(i, init), state, timeLimitMs: 20_000, ...extra }),
    /** The activity log of a plugin as `outcome permission resource` lines. */
    log: (plugin: PluginId) => permissions.activity.read({ plugin }).map((e) => `${e.outcome} ${e.permission} ${e.resource}`),
  };
}
